import { unwrap } from '../../client.js';
import type { components } from '../../generated/api.js';
import { type Command, EXIT, type OptionSpecs, UsageError, writeTo } from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { HTML_OPTION, htmlTarget, writeHtml } from '../report-html/write.js';
import { cohortCommand } from './report-cohort.js';

export type PepComplianceReport = components['schemas']['PepComplianceReport'];
type PepComplianceResult = components['schemas']['PepComplianceResult'];

const STATUSES = ['met', 'late', 'due', 'overdue'] as const;

const options = {
  'as-of': {
    type: 'string',
    value: '<date>',
    description: 'The day to report on (YYYY-MM-DD). Default: today (UTC).',
  },
  status: {
    type: 'string',
    value: '<status>',
    description: 'Only children with a deadline met, late, due or overdue (and only those deadlines).',
  },
  school: {
    type: 'string',
    value: '<id>',
    description: 'Only the pupils of this school (its organisation id).',
  },
  csv: { type: 'boolean', description: 'Print the CSV the API gives (one row per child and deadline).' },
  json: { type: 'boolean', description: 'Print the report as the API returns it (JSON).' },
  html: HTML_OPTION,
  ...connectionOptions,
} as const satisfies OptionSpecs;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The report for people: one line per child and deadline, then the counts. */
export function formatPepCompliance(report: PepComplianceReport, status?: string): string {
  const rows: string[][] = [['Child', 'Deadline', 'Due', 'Status', 'Days late']];
  for (const item of report.items) {
    const name = `${item.name.given} ${item.name.family}`;
    const result = item.result as PepComplianceResult;
    const deadlines = result.deadlines.filter((d) => !status || d.status === status);
    if (!deadlines.length) rows.push([name, `(${result.outcome})`, '', '', '']);
    for (const d of deadlines) {
      const late = d.daysLate ? `${d.daysLate} ${d.daysLateUnit.replace('-', ' ')}` : '';
      rows.push([name, d.deadline, d.dueOn, d.status, late]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const policies = report.policies
    .map(
      (p) =>
        `${p.id} v${p.version}${p.authority ? ` (${p.authority.name}${p.termDates ? `, term dates v${p.termDates.version}` : ''})` : ''}`,
    )
    .join('; ');
  const { summary } = report;
  lines.push(
    '',
    `As of ${report.asOf}: ${summary.children} ${summary.children === 1 ? 'child' : 'children'}; deadlines ${STATUSES.map((s) => `${summary.deadlines[s]} ${s}`).join(', ')}.`,
  );
  if (policies) lines.push(`Policies: ${policies}.`);
  return `${lines.join('\n')}\n`;
}

const pepComplianceCommand: Command<typeof options> = {
  name: 'pep-compliance',
  summary: 'Whose PEP is on time, late, due or overdue',
  usage: [
    'report pep-compliance [--as-of <date>] [--status <status>] [--school <id>] [--csv | --json | --html <file>]',
  ],
  description:
    "Asks the API for the PEP compliance report (GET /v1/reports/pep-compliance): for each child your organisation can see, each PEP deadline under the policy of the child's responsible authority (its stored one, else its jurisdiction's default, with its term dates), with its due date, status and days late. A table by default; --csv prints the API's CSV and --json its JSON, unchanged, for a spreadsheet or a script; --html writes a page with the summary, charts of the deadlines met on time month by month and of the plans' ratings, and a row per child, for the corporate parenting board.",
  options,
  examples: [
    { command: 'celr report pep-compliance', says: "Today's report, as a table." },
    {
      command: 'celr report pep-compliance --as-of 2026-03-31 --status overdue',
      says: 'The children whose PEP deadline had passed, unmet, at the end of March.',
    },
    { command: 'celr report pep-compliance --csv > pep.csv', says: 'The report as CSV.' },
    {
      command: 'celr report pep-compliance --as-of 2026-03-31 --html pep-2026-03.html',
      says: 'The report at the end of March as an HTML page with charts.',
    },
  ],
  async run({ values, positionals, io }) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}.`);
    const formats = (['csv', 'json', 'html'] as const).filter(
      (f) => values[f] !== undefined && values[f] !== false,
    );
    if (formats.length > 1)
      throw new UsageError(
        `give one of --csv, --json or --html, not ${formats.map((f) => `--${f}`).join(' and ')}.`,
      );
    const asOf = values['as-of'];
    if (asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf)))) {
      throw new UsageError(`--as-of ${asOf}: give a date as YYYY-MM-DD.`);
    }
    const status = values.status;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status ${status}: one of ${STATUSES.join(', ')}.`);
    }
    if (values.school !== undefined && !UUID.test(values.school)) {
      throw new UsageError(`--school ${values.school}: a school is named by its organisation id (a UUID).`);
    }
    const connection = connectionFrom(values, io);
    const htmlFile = values.html === undefined ? undefined : await htmlTarget(io.cwd, values.html);
    const client = clientFor(connection, (event) =>
      io.stderr.write(`celr report pep-compliance: ${describeRetry(event)}\n`),
    );
    const query = {
      ...(asOf ? { asOf } : {}),
      ...(status ? { status: status as (typeof STATUSES)[number] } : {}),
      ...(values.school ? { school: values.school } : {}),
    };
    if (values.csv) {
      const csv = unwrap(
        await client.raw.GET('/v1/reports/pep-compliance', {
          params: { query },
          headers: { accept: 'text/csv' },
          parseAs: 'text',
          signal: io.signal,
        }),
      ) as string;
      await writeTo(io.stdout, csv);
      return EXIT.ok;
    }
    const report = unwrap(
      await client.raw.GET('/v1/reports/pep-compliance', { params: { query }, signal: io.signal }),
    ) as PepComplianceReport;
    if (htmlFile) {
      // Loaded only here: the charting library takes a moment to load, and nothing else needs it.
      const { renderPepComplianceHtml } = await import('../report-html/index.js');
      const filters = [
        ...(status ? [`deadlines ${status}`] : []),
        ...(values.school ? [`the pupils of school ${values.school}`] : []),
      ];
      const page = await renderPepComplianceHtml(report, {
        generatedAt: new Date(),
        source: new URL(connection.baseUrl).origin,
        filters,
      });
      await writeHtml(htmlFile, values.html!, page);
      await writeTo(io.stdout, `Wrote ${htmlFile}\n`);
      return EXIT.ok;
    }
    await writeTo(
      io.stdout,
      values.json ? `${JSON.stringify(report, null, 2)}\n` : formatPepCompliance(report, status),
    );
    return EXIT.ok;
  },
};

export const reportCommand: Command = {
  name: 'report',
  summary: 'Reports for the virtual school: PEP compliance, the cohort',
  usage: ['report pep-compliance [options]', 'report cohort [options]'],
  description:
    'Reports on the children your organisation can see. `celr report pep-compliance --help` or `celr report cohort --help` for their options.',
  options: {},
  examples: [{ command: 'celr report pep-compliance', says: "Today's PEP compliance, as a table." }],
  subcommands: [pepComplianceCommand as Command, cohortCommand as Command],
};
