import { ATTENDANCE_BAND_CODES, COHORT_GROUPINGS, COHORT_PHASES } from '@celr/schema';
import { unwrap } from '../../client.js';
import type { components } from '../../generated/api.js';
import { type Command, EXIT, type OptionSpecs, UsageError, writeTo } from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { HTML_OPTION, htmlTarget, writeHtml } from '../report-html/write.js';

export type CohortReport = components['schemas']['CohortReport'];
type CohortRow = components['schemas']['CohortRow'];
type Grouping = (typeof COHORT_GROUPINGS)[number];

const options = {
  'as-of': {
    type: 'string',
    value: '<date>',
    description: 'The day to report on (YYYY-MM-DD). Default: today (UTC).',
  },
  school: {
    type: 'string',
    value: '<id>',
    description: 'Only the pupils of this school (its organisation id).',
  },
  'year-group': {
    type: 'string',
    value: '<code>',
    description: 'Only this year group (England: R, 1 ... 13) or stage (Scotland: P1 ... S6).',
  },
  rating: {
    type: 'string',
    value: '<rating>',
    description: "Only children whose plan is rated so (red, amber, green), or 'unrated', or 'no-plan'.",
  },
  overdue: { type: 'boolean', description: 'Only children with a PEP deadline overdue.' },
  'out-of-authority': { type: 'boolean', description: 'Only children at school or placed out of authority.' },
  'group-by': {
    type: 'string',
    value: '<grouping>',
    description: `A table of groups instead of children: ${COHORT_GROUPINGS.join(', ')}.`,
  },
  csv: { type: 'boolean', description: 'Print the CSV the API gives (one row per child).' },
  json: { type: 'boolean', description: 'Print the report as the API returns it (JSON).' },
  html: HTML_OPTION,
  ...connectionOptions,
} as const satisfies OptionSpecs;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const pounds = (pence: number) => `£${(pence / 100).toFixed(2)}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** The report for people: a line per child (or per group), then the counts of the whole cohort. */
export function formatCohort(report: CohortReport): string {
  let lines: string[];
  if (report.groups) {
    const rows = [
      [
        'Group',
        'Children',
        'Persistent absence',
        'PEP overdue',
        'Out of authority',
        'PP+ allocated',
        'PP+ spent',
      ],
    ];
    for (const g of report.groups) {
      rows.push([
        g.label === g.key ? g.key : `${g.label} (${g.key})`,
        String(g.children),
        String(g.persistentAbsence),
        String(g.overdue),
        String(g.outOfAuthority),
        pounds(g.allocatedPence),
        pounds(g.spentPence),
      ]);
    }
    lines = table(rows);
  } else {
    const rows = [
      [
        'Child',
        'Year',
        'School',
        'Out',
        'Rating',
        'Overdue',
        'Attendance',
        'Susp/excl (year)',
        'Moves',
        'PP+ spent/allocated',
      ],
    ];
    for (const item of report.items) {
      const row = item.row as CohortRow;
      const a = row.attendance;
      rows.push([
        `${item.name.given} ${item.name.family}`,
        row.yearGroup ?? `(${row.phase})`,
        row.school?.name ?? item.school?.name ?? row.school?.code ?? '',
        row.outOfAuthority ? 'yes' : '',
        row.rating,
        row.compliance.overdue ? String(row.compliance.overdue) : '',
        a.attendancePercent === null ? '' : `${a.attendancePercent} %${a.persistentAbsence ? ' PA' : ''}`,
        `${row.exclusions.suspensionsThisYear}/${row.exclusions.exclusionsThisYear}`,
        row.moves.school + row.moves.placement
          ? `${row.moves.school} school, ${row.moves.placement} placement`
          : '',
        row.funding.allocatedPence
          ? `${pounds(row.funding.spentPence)}/${pounds(row.funding.allocatedPence)}`
          : '',
      ]);
    }
    lines = table(rows);
  }
  const s = report.summary;
  const count = (n: number, what: string) => `${n} ${what}`;
  lines.push(
    '',
    `As of ${report.asOf}: ${count(s.children, s.children === 1 ? 'child' : 'children')} (${COHORT_PHASES.map((p) => `${s.phases[p]} ${p}`).join(', ')}).`,
    `Attendance: ${count(s.persistentAbsence, 'persistently absent')}; bands ${ATTENDANCE_BAND_CODES.map((b) => `${b} ${s.attendanceBands[b]}`).join(', ')}.`,
    `Plans: ${
      Object.entries(s.ratings)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([r, n]) => `${n} ${r}`)
        .join(', ') || 'none'
    }; ${count(s.overdue, 'with a PEP deadline overdue')}.`,
    `Out of authority: ${s.outOfAuthority}. Suspensions ${s.suspensionsThisTerm} this term, ${s.suspensionsThisYear} this year; exclusions ${s.exclusionsThisTerm} this term, ${s.exclusionsThisYear} this year.`,
    `Moved in the last 12 months: school ${s.movedSchool}, placement ${s.movedPlacement}. With a UPN ${s.identifiers.upn}, ULN ${s.identifiers.uln}, SCN ${s.identifiers.scn}.`,
    ...Object.entries(s.funding)
      .filter(([, m]) => m.allocatedPence || m.spentPence)
      .map(
        ([source, m]) => `${source}: ${pounds(m.allocatedPence)} allocated, ${pounds(m.spentPence)} spent.`,
      ),
  );
  return `${lines.join('\n')}\n`;
}

export const cohortCommand: Command<typeof options> = {
  name: 'cohort',
  summary: 'The cohort: year groups, attendance, exclusions, moves, plans and PP+',
  usage: [
    'report cohort [--as-of <date>] [--school <id>] [--year-group <code>] [--rating <rating>] [--overdue] [--out-of-authority] [--group-by <grouping>] [--csv | --json | --html <file>]',
  ],
  description:
    "Asks the API for the cohort report (GET /v1/reports/cohort): for each child your organisation can see, year group and phase, school, whether out of authority, the plan's rating and overdue PEP deadlines, attendance this school year (missing 10 % or more is persistent absence, PA), suspensions and exclusions, moves in the last 12 months and Pupil Premium Plus spent and allocated. A table by default (of groups with --group-by); --csv prints the API's CSV and --json its JSON, unchanged; --html writes a page with the summary, charts of the attendance bands and of the plans' ratings, and a row per child, for the corporate parenting board.",
  options,
  examples: [
    { command: 'celr report cohort', says: "Today's cohort, a line per child." },
    {
      command: 'celr report cohort --as-of 2026-03-31 --group-by yearGroup',
      says: 'Children, persistent absence, overdue PEPs and PP+ by year group at the end of March.',
    },
    {
      command: 'celr report cohort --out-of-authority --csv > away.csv',
      says: 'The children placed or at school out of authority, as CSV.',
    },
    { command: 'celr report cohort --html cohort.html', says: "Today's cohort as an HTML page with charts." },
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
    if (values.school !== undefined && !UUID.test(values.school)) {
      throw new UsageError(`--school ${values.school}: a school is named by its organisation id (a UUID).`);
    }
    const yearGroup = values['year-group'];
    if (yearGroup !== undefined && !/^[A-Z0-9]{1,3}$/.test(yearGroup)) {
      throw new UsageError(
        `--year-group ${yearGroup}: a year group code such as 7 or R, or a stage such as S4.`,
      );
    }
    if (values.rating !== undefined && !/^[a-z0-9-]{1,50}$/.test(values.rating)) {
      throw new UsageError(`--rating ${values.rating}: a rating code such as red, or unrated, or no-plan.`);
    }
    const groupBy = values['group-by'];
    if (groupBy !== undefined && !(COHORT_GROUPINGS as readonly string[]).includes(groupBy)) {
      throw new UsageError(`--group-by ${groupBy}: one of ${COHORT_GROUPINGS.join(', ')}.`);
    }
    const connection = connectionFrom(values, io);
    const htmlFile = values.html === undefined ? undefined : await htmlTarget(io.cwd, values.html);
    const client = clientFor(connection, (event) =>
      io.stderr.write(`celr report cohort: ${describeRetry(event)}\n`),
    );
    const query = {
      ...(asOf ? { asOf } : {}),
      ...(values.school ? { school: values.school } : {}),
      ...(yearGroup ? { yearGroup } : {}),
      ...(values.rating ? { rating: values.rating } : {}),
      ...(values.overdue ? { overdue: true } : {}),
      ...(values['out-of-authority'] ? { outOfAuthority: true } : {}),
      ...(groupBy ? { groupBy: groupBy as Grouping } : {}),
    };
    if (values.csv) {
      const csv = unwrap(
        await client.raw.GET('/v1/reports/cohort', {
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
      await client.raw.GET('/v1/reports/cohort', { params: { query }, signal: io.signal }),
    ) as CohortReport;
    if (htmlFile) {
      // Loaded only here: the charting library takes a moment to load, and nothing else needs it.
      const { cohortFilters, renderCohortHtml } = await import('../report-html/index.js');
      const page = await renderCohortHtml(report, {
        generatedAt: new Date(),
        source: new URL(connection.baseUrl).origin,
        filters: cohortFilters(query),
      });
      await writeHtml(htmlFile, values.html!, page);
      await writeTo(io.stdout, `Wrote ${htmlFile}\n`);
      return EXIT.ok;
    }
    await writeTo(io.stdout, values.json ? `${JSON.stringify(report, null, 2)}\n` : formatCohort(report));
    return EXIT.ok;
  },
};
