import { type CliIO, type Command, EXIT, FailedError } from '../command.js';

/** The package that implements the command; loaded by name, as the SDK does not depend on it. */
const KIT = '@celr/conformance';

/**
 * `celr conformance ...`: the CELR conformance kit, from @celr/conformance (built on this SDK, so
 * this package cannot depend on it in turn). Installed next to @celr/sdk, it is found and run with
 * the arguments as given; otherwise the command says how to install it.
 */
export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'Run the conformance kit against an implementation of the CELR API (needs @celr/conformance)',
  usage: [
    'conformance run --base-url <url> --role <authority|school|vendor|transfer-peer> --client-id <id> --client-secret <secret> [--other-client-id <id> --other-client-secret <secret>] [--junit <file>] [--json <file>] [--only <group>]',
    'conformance list [--role <role>]',
  ],
  description:
    "Runs the suite of tests for a role against a CELR API and reports each test's result (pass, fail, skip, error) with the clause it checks; --junit and --json write the results for CI. `celr conformance --help` shows every option. The kit is the package @celr/conformance: npm install @celr/conformance.",
  options: {},
  examples: [
    {
      command:
        'celr conformance run --base-url https://celr.example.org --role authority --client-id ... --client-secret ... --other-client-id ... --other-client-secret ... --junit conformance.xml',
      says: 'Runs the authority suite and writes JUnit XML for CI; exit code 0 when every mandatory test passed.',
    },
  ],
  async passThrough(argv: string[], io: CliIO): Promise<number> {
    let kit: { main(argv: string[], io: CliIO): Promise<number> };
    try {
      kit = (await import(KIT)) as typeof kit;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      throw new FailedError(`the conformance kit is not installed: npm install ${KIT}`);
    }
    const code = await kit.main(argv, io);
    return code === 0 ? EXIT.ok : code;
  },
};
