import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOGUE, suiteFor } from './catalogue.js';
import { GROUPS, ROLES, type Role } from './model.js';
import { junitXml } from './report/junit.js';
import { resultLine, summary } from './report/terminal.js';
import { runConformance } from './runner.js';

export const USAGE = `Usage: celr conformance run --base-url <url> --role <${ROLES.join('|')}>
         --client-id <id> --client-secret <secret> [--on-behalf-of <organisation id>]
         [--other-client-id <id> --other-client-secret <secret>]
         [--peer-base-url <url> --peer-client-id <id> --peer-client-secret <secret>]
         [--only <group or test id>[,...]] [--junit <file.xml>] [--json <file.json>]
         [--receiver-host <http://host>]
       celr conformance list [--role <role>]

Runs the CELR conformance kit's suite for a role against an implementation of the CELR API, and
says, test by test, whether it behaves as the CELR documentation and the RFCs it cites require.
It creates only fictional records in the organisations of the clients given, and tombstones them.

  --base-url          the API's address (CELR_API_URL)
  --role              authority, school, vendor or transfer-peer: the suite to run
  --client-id         a client of an organisation in that role (CELR_CLIENT_ID, CELR_CLIENT_SECRET)
  --on-behalf-of      a vendor's: the organisation it acts for (CELR_ON_BEHALF_OF)
  --other-client-id   a client of a second organisation, for the access boundaries; without it
                      those tests are skipped, and the run cannot be conformant
  --peer-base-url     transfer-peer: a second deployment (its own server and keys) and an
  --peer-client-id    authority's client there, for bundles between deployments; each
  --peer-client-secret  deployment's operator must trust the other's sender keys first
  --only              groups (${Object.keys(GROUPS).join(', ')}) or test ids
  --junit, --json     also write the results as JUnit XML (for CI) or JSON (with the evidence)
  --receiver-host     where the server reaches the kit's webhook receiver (default http://127.0.0.1)

Exit code: 0 when every mandatory test passed, 1 when one did not, 2 for wrong usage.
`;

class UsageError extends Error {}

export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
}

const defaultIO = (): CliIO => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** `celr conformance ...` and `celr-conformance ...`: returns the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    return await command(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`celr conformance: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`celr conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function command(argv: string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const [verb] = positionals;
  if (verb !== 'run' && verb !== 'list')
    throw new UsageError(verb ? `'${verb}' is not a command: run or list.` : 'Say run or list.');
  const role = (values.role ?? (verb === 'list' ? undefined : '')) as Role | undefined;
  if (role !== undefined && !ROLES.includes(role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}${role ? `; '${role}' is not` : ''}.`);
  if (verb === 'list') {
    for (const test of role ? suiteFor(role) : CATALOGUE)
      io.stdout.write(
        `${test.id}\t${test.group}\t${test.level}\t${test.roles.join(',')}\t${test.clause}\t${test.title}\n`,
      );
    return 0;
  }
  if (verb !== 'run')
    throw new UsageError(verb ? `'${verb}' is not a command: run or list.` : 'Say run or list.');
  const baseUrl = values['base-url'] ?? io.env.CELR_API_URL;
  const clientId = values['client-id'] ?? io.env.CELR_CLIENT_ID;
  const clientSecret = values['client-secret'] ?? io.env.CELR_CLIENT_SECRET;
  if (!baseUrl) throw new UsageError('--base-url (or CELR_API_URL) is required.');
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url '${baseUrl}' is not a URL.`);
  }
  if (!clientId || !clientSecret) throw new UsageError('--client-id and --client-secret are required.');
  if (!!values['other-client-id'] !== !!values['other-client-secret'])
    throw new UsageError('--other-client-id and --other-client-secret go together.');
  const peerFlags = ['peer-base-url', 'peer-client-id', 'peer-client-secret'] as const;
  const peerGiven = peerFlags.filter((f) => values[f]);
  if (peerGiven.length && peerGiven.length !== peerFlags.length)
    throw new UsageError('--peer-base-url, --peer-client-id and --peer-client-secret go together.');
  if (values['peer-base-url'] && !URL.canParse(values['peer-base-url']))
    throw new UsageError(`--peer-base-url '${values['peer-base-url']}' is not a URL.`);
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set([...Object.keys(GROUPS), ...CATALOGUE.map((t) => t.id)]);
  const unknown = only?.filter((o) => !known.has(o));
  if (unknown?.length) throw new UsageError(`--only: no group or test is called ${unknown.join(', ')}.`);
  const onBehalfOf = values['on-behalf-of'] ?? io.env.CELR_ON_BEHALF_OF;

  const report = await runConformance({
    baseUrl,
    role: role as Role,
    credentials: { clientId, clientSecret, ...(onBehalfOf ? { onBehalfOf } : {}) },
    ...(values['other-client-id']
      ? {
          other: {
            clientId: values['other-client-id'],
            clientSecret: values['other-client-secret'] as string,
          },
        }
      : {}),
    ...(values['peer-base-url']
      ? {
          peer: {
            baseUrl: values['peer-base-url'],
            credentials: {
              clientId: values['peer-client-id'] as string,
              clientSecret: values['peer-client-secret'] as string,
            },
          },
        }
      : {}),
    ...(values['receiver-host'] ? { receiverHost: values['receiver-host'] } : {}),
    ...(only ? { only } : {}),
    onTest({ index, total, result }) {
      if (result) io.stdout.write(`[${index + 1}/${total}] ${resultLine(result)}\n`);
    },
  });
  io.stdout.write(summary(report));
  if (values.junit) {
    await writeFile(resolve(io.cwd, values.junit), junitXml(report));
    io.stderr.write(`JUnit XML written to ${values.junit}\n`);
  }
  if (values.json) {
    await writeFile(resolve(io.cwd, values.json), `${JSON.stringify(report, null, 2)}\n`);
    io.stderr.write(`JSON written to ${values.json}\n`);
  }
  return report.conformant ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'base-url': { type: 'string' },
      role: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'on-behalf-of': { type: 'string' },
      'other-client-id': { type: 'string' },
      'other-client-secret': { type: 'string' },
      'peer-base-url': { type: 'string' },
      'peer-client-id': { type: 'string' },
      'peer-client-secret': { type: 'string' },
      only: { type: 'string' },
      junit: { type: 'string' },
      json: { type: 'string' },
      'receiver-host': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
