import {
  ATTENDANCE_BAND_CODES,
  ATTENDANCE_BANDS,
  ATTENDANCE_SOURCE,
  COHORT_IDENTIFIERS,
  COHORT_PHASES,
  codeLists,
  DRIFT_WINDOW_MONTHS,
  PERSISTENT_ABSENCE_PERCENT,
} from '@celr/schema';
import type { components } from '../../generated/api.js';
import { type Chart, COLOURS, renderChart } from './chart.js';
import { formatDate, humanise, percent, plural } from './format.js';
import { type Content, figure, page, table } from './html.js';
import type { RenderOptions } from './pep-compliance.js';
import { NO_PLAN, NOT_RATED, ratingCategories, ratingChart, ratingFigures } from './ratings.js';

type Report = components['schemas']['CohortReport'];
type Item = Report['items'][number];
type Band = (typeof ATTENDANCE_BAND_CODES)[number];

// The bands from best to worst, coloured as the other charts are; "no data" in grey.
const BAND_COLOURS: Record<Band, string> = {
  'absence-under-5': COLOURS.good,
  'absence-5-to-10': '#7fb069',
  'persistent-absence': COLOURS.warning,
  'severe-absence': COLOURS.bad,
  'no-data': COLOURS.none,
};

const bandLabel = (band: Band) =>
  ATTENDANCE_BANDS.find((b) => b.code === band)?.label ?? 'No attendance recorded';

const GBP = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
const pounds = (pence: number) => GBP.format(pence / 100);

const codeLabel = (list: 'funding-source' | 'education-setting', code: string) =>
  (codeLists[list].codes as readonly { code: string; label: string }[]).find((c) => c.code === code)?.label ??
  code;

function attendanceChart(report: Report): Chart {
  const bands = ATTENDANCE_BAND_CODES.map((band) => ({
    band,
    label: bandLabel(band),
    children: report.summary.attendanceBands[band],
  }));
  const labels = bands.map((b) => b.label);
  const values = bands
    .filter((b) => b.children > 0)
    .map((b) => ({
      band: b.label,
      children: b.children,
      description: `${b.label}: ${plural(b.children, 'child', 'children')}`,
    }));
  return {
    id: 'chart-attendance',
    title: `Children by attendance this school year, ${formatDate(report.asOf)}`,
    description: `${bands.map((b) => `${b.label}: ${b.children}`).join('; ')}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 360,
      height: { step: 34 },
      data: { values },
      // Bars across, so that the bands' names read in full.
      encoding: {
        y: {
          field: 'band',
          type: 'nominal',
          title: null,
          scale: { domain: labels },
          sort: labels,
          // Vega estimates text widths in Node (no canvas) at 0.8 em a character, so a long name is cut
          // short well before it fills the space: the bands' names go on two lines at their colon.
          axis: { labelExpr: "split(datum.label, ': ')", labelLimit: 320, labelLineHeight: 14 },
        },
      },
      layer: [
        {
          mark: { type: 'bar', tooltip: false },
          encoding: {
            x: {
              field: 'children',
              type: 'quantitative',
              title: 'Children',
              axis: { format: 'd', tickMinStep: 1 },
            },
            color: {
              field: 'band',
              type: 'nominal',
              legend: null,
              scale: { domain: labels, range: bands.map((b) => BAND_COLOURS[b.band]) },
            },
            description: { field: 'description', type: 'nominal' },
          },
        },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontWeight: 'bold' },
          encoding: {
            x: { field: 'children', type: 'quantitative' },
            text: { field: 'children', type: 'quantitative' },
            description: { field: 'description', type: 'nominal' },
          },
        },
      ],
    },
  };
}

/** The filters a cohort report was asked with, in words for the page's subtitle. */
export function cohortFilters(query: {
  school?: string;
  yearGroup?: string;
  rating?: string;
  overdue?: boolean;
  outOfAuthority?: boolean;
}): string[] {
  return [
    query.school ? `the pupils of school ${query.school}` : '',
    query.yearGroup ? `year group ${query.yearGroup}` : '',
    query.rating === NO_PLAN
      ? 'children with no plan'
      : query.rating === NOT_RATED
        ? 'children whose plan is not rated'
        : query.rating
          ? `children whose plan is rated ${query.rating}`
          : '',
    query.overdue ? 'children with a PEP deadline overdue' : '',
    query.outOfAuthority ? 'children at school or placed out of authority' : '',
  ].filter(Boolean);
}

function attendance(item: Item): string {
  const a = item.row.attendance;
  if (a.attendancePercent === null) return 'No data';
  return `${a.attendancePercent} %${a.persistentAbsence ? ' (persistent absence)' : ''}`;
}

function plan(item: Item, labels: Map<string, string>): string {
  const r = item.row;
  const rating = labels.get(r.rating) ?? r.rating;
  const overdue = r.compliance.overdue ? `; ${plural(r.compliance.overdue, 'deadline')} overdue` : '';
  return `${rating}${r.plan?.adequate === false ? ' (not adequate)' : ''}${overdue}`;
}

function school(item: Item): string {
  const r = item.row;
  const name = item.school?.name ?? r.school?.name ?? r.school?.code ?? 'None recorded';
  const setting = r.setting ? `; ${codeLabel('education-setting', r.setting).toLowerCase()}` : '';
  return `${name}${setting}${r.outOfAuthority ? '; out of authority' : ''}`;
}

/** The cohort report as one self-contained HTML page: summary, attendance and ratings charts, a row per child. */
export async function renderCohortHtml(report: Report, options: RenderOptions): Promise<string> {
  const s = report.summary;
  const categories = ratingCategories(report.policies, Object.keys(s.ratings));
  const ratings = categories.map((c) => ({ ...c, children: s.ratings[c.key] ?? 0 }));
  const ratingLabels = new Map(categories.map((c) => [c.key, c.label]));
  const [attendanceSvg, ratingSvg] = await Promise.all([
    renderChart(attendanceChart(report)),
    renderChart(ratingChart(ratings, report.asOf)),
  ]);
  const of = (n: number) => {
    const p = percent(n, s.children);
    return p === null ? String(n) : `${n.toLocaleString('en-GB')} (${p} %)`;
  };
  const funding = Object.entries(s.funding).filter(([, m]) => m.allocatedPence || m.spentPence);

  const summaryTable = table({
    caption: `The cohort in figures, as of ${formatDate(report.asOf)}`,
    className: 'summary',
    columns: [{ label: 'Measure' }, { label: 'Children', numeric: true }],
    rows: [
      ['Children in the report', s.children],
      ...COHORT_PHASES.map((p) => [`In ${humanise(p).toLowerCase()}`, of(s.phases[p])]),
      [
        `Persistently absent (missed ${PERSISTENT_ABSENCE_PERCENT} % or more this school year)`,
        of(s.persistentAbsence),
      ],
      ['With a PEP deadline overdue', of(s.overdue)],
      ['At school or placed out of authority', of(s.outOfAuthority)],
      [`Moved school in the last ${DRIFT_WINDOW_MONTHS} months`, of(s.movedSchool)],
      [`Moved placement in the last ${DRIFT_WINDOW_MONTHS} months`, of(s.movedPlacement)],
      ...COHORT_IDENTIFIERS.map((id) => [`With a ${id.toUpperCase()}`, of(s.identifiers[id])]),
    ],
  });
  const eventsTable = table({
    caption: 'Suspensions and exclusions, all children',
    className: 'summary',
    columns: [
      { label: 'When' },
      { label: 'Suspensions', numeric: true },
      { label: 'Exclusions', numeric: true },
    ],
    rows: [
      ['This term', s.suspensionsThisTerm, s.exclusionsThisTerm],
      ['This school year', s.suspensionsThisYear, s.exclusionsThisYear],
    ],
  });
  const fundingTable = table({
    caption: 'Provision in plans funded by the grant for looked-after children, this school year',
    className: 'summary',
    columns: [{ label: 'Grant' }, { label: 'Allocated', numeric: true }, { label: 'Spent', numeric: true }],
    rows: funding.map(([source, m]) => [
      codeLabel('funding-source', source),
      pounds(m.allocatedPence),
      pounds(m.spentPence),
    ]),
    empty: 'None recorded.',
  });
  const groups = report.groups
    ? [
        table({
          caption: `By ${humanise(report.groupBy ?? 'group').toLowerCase()}`,
          columns: [
            { label: 'Group' },
            { label: 'Children', numeric: true },
            { label: 'Persistently absent', numeric: true },
            { label: 'PEP overdue', numeric: true },
            { label: 'Out of authority', numeric: true },
            { label: 'Grant allocated', numeric: true },
            { label: 'Grant spent', numeric: true },
          ],
          rows: report.groups.map((g) => [
            report.groupBy === 'rating' ? (ratingLabels.get(g.key) ?? g.label) : g.label,
            g.children,
            g.persistentAbsence,
            g.overdue,
            g.outOfAuthority,
            pounds(g.allocatedPence),
            pounds(g.spentPence),
          ]),
        }),
      ]
    : [];

  const attendanceFigures = {
    caption: 'Children by attendance band',
    columns: [{ label: 'Band' }, { label: 'Children', numeric: true }],
    rows: ATTENDANCE_BAND_CODES.map((b): Content[] => [bandLabel(b), s.attendanceBands[b]]),
  };

  const children = table({
    caption: `Each child (${plural(report.items.length, 'child', 'children')})`,
    className: 'children',
    columns: [
      { label: 'Child' },
      { label: 'Year group' },
      { label: 'School' },
      { label: 'Plan' },
      { label: 'Attendance this year' },
      { label: 'Suspensions, exclusions this year', numeric: true },
      { label: `Moves in ${DRIFT_WINDOW_MONTHS} months: school, placement`, numeric: true },
      { label: 'Grant spent of allocated', numeric: true },
    ],
    rows: report.items.map((item) => {
      const r = item.row;
      return [
        `${item.name.given} ${item.name.family}`,
        r.yearGroup ? `${r.yearGroup} (${humanise(r.phase).toLowerCase()})` : humanise(r.phase),
        school(item),
        plan(item, ratingLabels),
        attendance(item),
        `${r.exclusions.suspensionsThisYear}, ${r.exclusions.exclusionsThisYear}`,
        `${r.moves.school}, ${r.moves.placement}`,
        r.funding.allocatedPence
          ? `${pounds(r.funding.spentPence)} of ${pounds(r.funding.allocatedPence)}`
          : '',
      ];
    }),
    empty: 'No children: your organisation sees none in this report.',
  });

  const policies = Object.entries(report.policies).map(
    ([j, p]) => `${p!.name} (${humanise(j)}, ${p!.id} v${p!.version})`,
  );
  return page({
    title: 'The cohort',
    subtitle: [
      `As of ${formatDate(report.asOf)}: ${plural(s.children, 'child', 'children')}.`,
      options.filters?.length ? ` Only ${options.filters.join('; ')}.` : '',
    ],
    sections: [
      { id: 'summary', heading: 'Summary', content: [summaryTable, eventsTable, fundingTable, ...groups] },
      {
        id: 'attendance',
        heading: 'Attendance',
        intro: `Attendance this school year, from the attendance summaries recorded up to ${formatDate(report.asOf)}, in the bands the ${ATTENDANCE_SOURCE.publisher} uses: missing ${PERSISTENT_ABSENCE_PERCENT} % or more of possible sessions is persistent absence.`,
        content: [
          figure(
            'attendance-figure',
            'Children by attendance this school year',
            attendanceSvg,
            attendanceFigures,
          ),
        ],
      },
      {
        id: 'ratings',
        heading: 'Quality of the plans',
        content: [
          figure(
            'ratings-figure',
            'Children by the rating of their current plan',
            ratingSvg,
            ratingFigures(ratings),
          ),
        ],
      },
      { id: 'children', heading: 'Children', content: [children] },
    ],
    footer: [
      `Plans rated under: ${policies.length ? policies.join('; ') : 'no policy (no children)'}. `,
      `Made ${options.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC by celr report cohort`,
      options.source ? ` from ${options.source}` : '',
      '. This report names children in care: share it only as your authority’s data-protection rules allow.',
    ],
  });
}
