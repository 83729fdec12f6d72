import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  describeTermDatesIssue,
  type TermDatesFileResult,
  termDatesFromCsv,
  termDatesFromJson,
} from '@celr/schema';
import { type CelrClient, unwrap } from '../../client.js';
import { isCelrProblem } from '../../errors.js';
import type { components } from '../../generated/api.js';
import {
  type CliIO,
  type Command,
  EXIT,
  FailedError,
  type OptionSpecs,
  UsageError,
  writeTo,
} from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { describeApiProblem } from './transfer.js';

type PolicySetting = components['schemas']['CompliancePolicySetting'];
type TermDatesSetting = components['schemas']['TermDatesSetting'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const authorityOption = {
  authority: {
    type: 'string',
    value: '<id>',
    description:
      "The authority's organisation id. Default: the organisation the client acts for (an operator must name one).",
  },
} as const satisfies OptionSpecs;
const showOptions = {
  ...authorityOption,
  json: { type: 'boolean', description: 'Print the answer as the API returns it (JSON).' },
  ...connectionOptions,
} as const satisfies OptionSpecs;
const loadPolicyOptions = { ...authorityOption, ...connectionOptions } as const satisfies OptionSpecs;
const loadTermsOptions = {
  ...authorityOption,
  name: {
    type: 'string',
    value: '<name>',
    description: 'For a CSV file: what the term dates are (default: the file name).',
  },
  source: {
    type: 'string',
    value: '<url>',
    description: 'For a CSV file: where the authority published them.',
  },
  ...connectionOptions,
} as const satisfies OptionSpecs;

interface Ctx<V> {
  values: V;
  positionals: string[];
  io: CliIO;
  client: CelrClient;
  authority: string;
}

/** A subcommand that talks to the API about one authority, with its problems printed as `celr` prints them. */
function settingCommand<O extends OptionSpecs & typeof authorityOption>(
  group: string,
  spec: Omit<Command<O>, 'run'>,
  files: 0 | 1,
  run: (ctx: Ctx<Record<string, string | boolean | undefined>>) => Promise<number>,
): Command<O> {
  const name = `celr ${group} ${spec.name}`;
  return {
    ...spec,
    async run({ values, positionals, io }) {
      if (positionals.length !== files)
        throw new UsageError(files ? 'name one file to load.' : `unexpected argument ${positionals[0]}.`);
      const given = values.authority as string | undefined;
      if (given !== undefined && !UUID.test(given))
        throw new UsageError(`--authority ${given}: an authority is named by its organisation id (a UUID).`);
      const connection = connectionFrom(values as never, io);
      const client = clientFor(connection, (event) => io.stderr.write(`${name}: ${describeRetry(event)}\n`));
      try {
        const authority =
          given ??
          (unwrap(await client.raw.GET('/v1/me', { signal: io.signal })) as { actingFor: { id: string } })
            .actingFor.id;
        return await run({ values: values as never, positionals, io, client, authority });
      } catch (error) {
        if (!isCelrProblem(error)) throw error;
        io.stderr.write(describeApiProblem(name, error));
        return EXIT.failed;
      }
    },
  };
}

const policyPath = '/v1/authorities/{organisationId}/compliance-policy' as const;
const termsPath = '/v1/authorities/{organisationId}/term-dates' as const;

/** A policy for people: which one, its version, its deadlines and its rubric. */
export function formatPolicy(s: PolicySetting): string {
  const p = s.policy as components['schemas']['CompliancePolicy'];
  const lines = [
    `Authority:  ${s.authority.name} (${s.authority.id})`,
    `Policy:     ${p.id} v${p.version}: ${p.name}${s.stored ? `, stored ${s.changedAt}` : ` (the ${p.jurisdiction} default; the authority has stored none)`}`,
    'Deadlines:',
    ...p.deadlines.map(
      (d) =>
        `  ${d.id.padEnd(28)} ${d.allowance} ${d.unit} from ${d.clock}${d.after ? ` (${d.after})` : ''}${d.recurring ? ', recurring' : ''}; met by a ${d.metBy}`,
    ),
    `Rubric:     ${p.rubric.ratings.map((r) => r.code).join(', ')} (adequate: ${p.rubric.adequate.join(', ') || 'none'})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Term dates for people: one line per term, with its half-term break. */
export function formatTermDates(s: TermDatesSetting): string {
  const t = s.termDates as components['schemas']['TermDates'];
  const lines = [
    `Authority:  ${s.authority.name} (${s.authority.id})`,
    `Term dates: ${t.name} v${s.version}, stored ${s.changedAt}`,
    ...t.terms.map(
      (term) =>
        `  ${term.name.padEnd(14)} ${term.start} to ${term.end}${term.breaks?.length ? `  breaks ${term.breaks.map((b) => `${b.start} to ${b.end}`).join(', ')}` : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

async function readText(io: CliIO, file: string): Promise<string> {
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}.`,
    );
  }
}

const policyShow = settingCommand<typeof showOptions>(
  'compliance-policy',
  {
    name: 'show',
    summary: "Show the authority's PEP compliance policy",
    usage: ['compliance-policy show [--authority <id>] [--json]'],
    description:
      "The policy the PEP compliance report applies to the authority's children: its stored one (GET /v1/authorities/{id}/compliance-policy), or its jurisdiction's default when it has stored none.",
    options: showOptions,
    examples: [
      { command: 'celr compliance-policy show', says: "Your authority's policy, its deadlines and rubric." },
    ],
  },
  0,
  async ({ values, io, client, authority }) => {
    const setting = unwrap(
      await client.raw.GET(policyPath, {
        params: { path: { organisationId: authority } },
        signal: io.signal,
      }),
    ) as PolicySetting;
    await writeTo(io.stdout, values.json ? `${JSON.stringify(setting, null, 2)}\n` : formatPolicy(setting));
    return EXIT.ok;
  },
);

const policyLoad = settingCommand<typeof loadPolicyOptions>(
  'compliance-policy',
  {
    name: 'load',
    summary: "Store a new version of the authority's PEP compliance policy",
    usage: ['compliance-policy load <policy.json> [--authority <id>]'],
    description:
      "Sends a CompliancePolicy (JSON) as the authority's policy (PUT /v1/authorities/{id}/compliance-policy): a new version, the old ones kept. The API checks it with @celr/schema's validator; each fault is printed with its JSON pointer and rule, and nothing is stored.",
    options: loadPolicyOptions,
    examples: [
      {
        command: 'celr compliance-policy load policy.json',
        says: 'Your authority applies policy.json from now on.',
      },
    ],
  },
  1,
  async ({ positionals, io, client, authority }) => {
    const file = positionals[0]!;
    let body: unknown;
    try {
      body = JSON.parse(await readText(io, file));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new FailedError(`${file}: not JSON: ${(error as Error).message}`);
    }
    const stored = unwrap(
      await client.raw.PUT(policyPath, {
        params: { path: { organisationId: authority } },
        body: body as never,
        signal: io.signal,
      }),
    ) as PolicySetting;
    const p = stored.policy as { id: string; version: number };
    await writeTo(
      io.stdout,
      `Stored ${p.id} as version ${stored.version} of ${stored.authority.name}'s policy.\n`,
    );
    return EXIT.ok;
  },
);

const termsShow = settingCommand<typeof showOptions>(
  'term-dates',
  {
    name: 'show',
    summary: "Show the authority's term dates",
    usage: ['term-dates show [--authority <id>] [--json]'],
    description:
      "The term dates the PEP compliance report counts the authority's school days and terms over (GET /v1/authorities/{id}/term-dates); HTTP 404 when none are stored.",
    options: showOptions,
    examples: [{ command: 'celr term-dates show', says: "Your authority's terms and half terms." }],
  },
  0,
  async ({ values, io, client, authority }) => {
    const setting = unwrap(
      await client.raw.GET(termsPath, { params: { path: { organisationId: authority } }, signal: io.signal }),
    ) as TermDatesSetting;
    await writeTo(
      io.stdout,
      values.json ? `${JSON.stringify(setting, null, 2)}\n` : formatTermDates(setting),
    );
    return EXIT.ok;
  },
);

const termsLoad = settingCommand<typeof loadTermsOptions>(
  'term-dates',
  {
    name: 'load',
    summary: "Store a new version of the authority's term dates, from JSON or CSV",
    usage: ['term-dates load <terms.json|terms.csv> [--name <name>] [--source <url>] [--authority <id>]'],
    description:
      'Reads term dates from a TermDates JSON document, or from a spreadsheet saved as CSV (a header row, then one row per term: term,start,end,half_term_start,half_term_end, dates as YYYY-MM-DD), checks them (terms in date order, not overlapping, breaks inside their term) and stores them as a new version (PUT /v1/authorities/{id}/term-dates). Each fault is printed as file:line: field: message (rule), and nothing is sent.',
    options: loadTermsOptions,
    examples: [
      {
        command: 'celr term-dates load terms-2026-2027.csv --name "Community schools 2026 to 2027"',
        says: 'Your authority’s term dates from a spreadsheet.',
      },
    ],
  },
  1,
  async ({ values, positionals, io, client, authority }) => {
    const file = positionals[0]!;
    const text = await readText(io, file);
    const csv = /\.csv$/i.test(file);
    const read: TermDatesFileResult = csv
      ? termDatesFromCsv(text, {
          name: (values.name as string | undefined) ?? path.basename(file, path.extname(file)),
          ...(values.source ? { source: values.source as string } : {}),
        })
      : termDatesFromJson(text);
    if (!csv && (values.name || values.source))
      throw new UsageError('--name and --source are for a CSV file.');
    if (!read.ok) {
      await writeTo(io.stderr, `${read.issues.map((i) => describeTermDatesIssue(file, i)).join('\n')}\n`);
      throw new FailedError(
        `${file}: ${read.issues.length} fault${read.issues.length === 1 ? '' : 's'}; nothing was stored.`,
      );
    }
    const stored = unwrap(
      await client.raw.PUT(termsPath, {
        params: { path: { organisationId: authority } },
        body: read.termDates as never,
        signal: io.signal,
      }),
    ) as TermDatesSetting;
    await writeTo(
      io.stdout,
      `Stored ${read.termDates.terms.length} terms as version ${stored.version} of ${stored.authority.name}'s term dates.\n`,
    );
    return EXIT.ok;
  },
);

export const compliancePolicyCommand: Command = {
  name: 'compliance-policy',
  summary: "The authority's PEP compliance policy: show, load",
  usage: ['compliance-policy show [options]', 'compliance-policy load <policy.json> [options]'],
  description:
    "The rules the PEP compliance report holds the authority's plans and reviews to. `celr compliance-policy <show|load> --help` for the options.",
  options: {},
  examples: [{ command: 'celr compliance-policy show', says: "Your authority's policy." }],
  subcommands: [policyShow, policyLoad] as Command[],
};

export const termDatesCommand: Command = {
  name: 'term-dates',
  summary: "The authority's term dates: show, load (JSON or CSV)",
  usage: ['term-dates show [options]', 'term-dates load <file> [options]'],
  description:
    'The terms the PEP compliance report counts school days and termly reviews in. `celr term-dates <show|load> --help` for the options.',
  options: {},
  examples: [{ command: 'celr term-dates load terms.csv', says: 'Load term dates from a spreadsheet.' }],
  subcommands: [termsShow, termsLoad] as Command[],
};
