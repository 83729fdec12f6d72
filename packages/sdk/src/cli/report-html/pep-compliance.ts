import { COMPLIANCE_OUTCOMES, codeLists, type DEADLINE_STATUSES } from '@celr/schema';
import type { components } from '../../generated/api.js';
import { type Chart, COLOURS, renderChart } from './chart.js';
import { formatDate, formatMonth, humanise, monthsEnding, percent, plural } from './format.js';
import { type Content, figure, type Html, html, page, table } from './html.js';
import { NO_PLAN, NOT_RATED, ratingCategories, ratingChart, ratingFigures } from './ratings.js';

type Report = components['schemas']['PepComplianceReport'];
type Item = Report['items'][number];
type Deadline = Item['result']['deadlines'][number];
type Status = (typeof DEADLINE_STATUSES)[number];

/** How the report names each status, and its colour; stacked in this order, the best at the bottom. */
const STATUS: Record<Status, { label: string; colour: string }> = {
  met: { label: 'Met on time', colour: COLOURS.good },
  late: { label: 'Met late', colour: COLOURS.warning },
  overdue: { label: 'Overdue', colour: COLOURS.bad },
  due: { label: 'Not yet due', colour: COLOURS.pending },
};
const STACK: Status[] = ['met', 'late', 'overdue', 'due'];

/** The months the chart shows: the year to the report's date, and what is coming in the next two months. */
export const MONTHS_BEFORE = 12;
export const MONTHS_AHEAD = 2;

export interface RenderOptions {
  /** When the report was made, for the footer. */
  generatedAt: Date;
  /** The API the figures came from, for the footer. */
  source?: string;
  /** Filters the report was asked with, in words (`overdue deadlines only`). */
  filters?: string[];
}

/** Deadlines by month due and status, and the share of those decided (met, late or overdue) met on time. */
function byMonth(report: Report) {
  const months = monthsEnding(report.asOf, MONTHS_BEFORE, MONTHS_AHEAD);
  const counts = new Map(months.map((m) => [m, { met: 0, late: 0, overdue: 0, due: 0 }]));
  let before = 0;
  let after = 0;
  for (const item of report.items) {
    for (const d of item.result.deadlines) {
      const month = d.dueOn.slice(0, 7);
      const row = counts.get(month);
      if (row) row[d.status]++;
      else if (month < months[0]!) before++;
      else after++;
    }
  }
  const rows = months.map((month) => {
    const c = counts.get(month)!;
    return { month, label: formatMonth(month), ...c, onTime: percent(c.met, c.met + c.late + c.overdue) };
  });
  return { rows, before, after };
}

function byRating(report: Report) {
  const ratingOf = (item: Item) => {
    const plan = item.result.currentPlan;
    return plan ? (plan.rating ?? NOT_RATED) : NO_PLAN;
  };
  const seen = report.items.map((i) => i.result.currentPlan?.rating).filter((r): r is string => !!r);
  const categories = ratingCategories(report.policies, seen);
  const counts = new Map(categories.map((c) => [c.key, 0]));
  for (const item of report.items) {
    const key = ratingOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return categories.map((c) => ({ ...c, children: counts.get(c.key) ?? 0 }));
}

function monthChart(months: ReturnType<typeof byMonth>): Chart {
  const labels = months.rows.map((m) => m.label);
  const bars = months.rows.flatMap((m) =>
    STACK.filter((s) => m[s] > 0).map((s) => ({
      month: m.label,
      status: STATUS[s].label,
      order: STACK.indexOf(s),
      deadlines: m[s],
      description: `${m.label}: ${plural(m[s], 'deadline')} ${STATUS[s].label.toLowerCase()}`,
    })),
  );
  const rates = months.rows
    .filter((m) => m.onTime !== null)
    .map((m) => ({
      month: m.label,
      total: m.met + m.late + m.overdue + m.due,
      rate: `${m.onTime} %`,
      description: `${m.label}: ${m.onTime} % on time (${m.met} of ${m.met + m.late + m.overdue})`,
    }));
  const decided = months.rows.filter((m) => m.onTime !== null);
  const x = {
    field: 'month',
    type: 'ordinal',
    title: 'Month due',
    scale: { domain: labels },
    sort: labels,
    // `Mar 2026` on two lines, so that fourteen months fit side by side.
    axis: { labelExpr: "split(datum.label, ' ')", labelLineHeight: 13 },
  } as const;
  return {
    id: 'chart-by-month',
    title: `PEP deadlines due each month, ${labels[0]} to ${labels.at(-1)}`,
    description: decided.length
      ? `On time, of the deadlines met or past due: ${decided.map((m) => `${m.label} ${m.onTime} %`).join(', ')}.`
      : 'No deadline in these months was met or past due.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: { step: 44 },
      height: 220,
      layer: [
        {
          data: { values: bars },
          mark: { type: 'bar', tooltip: false },
          encoding: {
            x,
            y: {
              field: 'deadlines',
              type: 'quantitative',
              stack: 'zero',
              title: 'Deadlines',
              axis: { format: 'd', tickMinStep: 1 },
            },
            color: {
              field: 'status',
              type: 'nominal',
              title: null,
              scale: { domain: STACK.map((s) => STATUS[s].label), range: STACK.map((s) => STATUS[s].colour) },
            },
            order: { field: 'order', type: 'quantitative' },
            description: { field: 'description', type: 'nominal' },
          },
        },
        {
          data: { values: rates },
          mark: { type: 'text', baseline: 'bottom', dy: -4, fontWeight: 'bold' },
          encoding: {
            x,
            y: { field: 'total', type: 'quantitative' },
            text: { field: 'rate', type: 'nominal' },
            description: { field: 'description', type: 'nominal' },
          },
        },
      ],
    },
  };
}

const childName = (item: Item) => `${item.name.given} ${item.name.family}`;

function deadlineName(d: Deadline): string {
  return d.occurrence > 1 ? `${humanise(d.deadline)} (${d.occurrence})` : humanise(d.deadline);
}

function late(d: Deadline): string {
  if (!d.daysLate) return '';
  return `, ${d.daysLate} ${d.daysLate === 1 ? d.daysLateUnit.replace(/s$/, '') : d.daysLateUnit}`.replace(
    /-/g,
    ' ',
  );
}

/** What needs someone: overdue and late deadlines, deadlines that could not be assessed, or why there are none. */
function attention(item: Item): Html {
  const r = item.result;
  const notes: Content[] = [];
  if (r.outcome !== 'assessed') {
    // The message says the outcome in words, and some start with it ("Not looked after: ...").
    const outcome = humanise(r.outcome);
    notes.push(r.message.startsWith(outcome) ? r.message : `${outcome}: ${r.message}`);
  }
  for (const d of r.deadlines) {
    if (d.status === 'overdue' || d.status === 'late') {
      notes.push(
        html`<span class="status-${d.status}">${STATUS[d.status].label}</span>: ${deadlineName(d)}, due ${formatDate(d.dueOn)}${late(d)}`,
      );
    }
  }
  for (const n of r.notAssessed) notes.push(`${humanise(n.deadline)} not assessed: ${n.message}`);
  return notes.length ? html`<ul class="attention">${notes.map((n) => html`<li>${n}</li>`)}</ul>` : html``;
}

function currentPlan(item: Item, ratings: ReturnType<typeof byRating>): Content {
  const plan = item.result.currentPlan;
  if (!plan) return 'No plan';
  const type = codeLists['plan-type'].codes.find((c) => c.code === plan.type)?.label ?? plan.type;
  const since = `${type} from ${formatDate(plan.start)}`;
  if (!plan.rating) return `${since}; not rated`;
  const label = ratings.find((r) => r.key === plan.rating)?.label ?? plan.rating;
  const adequate = plan.adequate === null ? '' : plan.adequate ? ' (adequate)' : ' (not adequate)';
  return `${since}; ${label}${adequate}${plan.ratedOn ? `, rated ${formatDate(plan.ratedOn)}` : ''}`;
}

/** The PEP compliance report as one self-contained HTML page: summary, two charts and a row per child. */
export async function renderPepComplianceHtml(report: Report, options: RenderOptions): Promise<string> {
  const months = byMonth(report);
  const ratings = byRating(report);
  const [monthSvg, ratingSvg] = await Promise.all([
    renderChart(monthChart(months)),
    renderChart(ratingChart(ratings, report.asOf)),
  ]);
  const { summary } = report;
  const decided = summary.deadlines.met + summary.deadlines.late + summary.deadlines.overdue;
  const onTime = percent(summary.deadlines.met, decided);
  const rated = report.items.filter((i) => i.result.currentPlan?.adequate != null);
  const adequate = rated.filter((i) => i.result.currentPlan?.adequate).length;
  const policies = report.policies.map(
    (p) =>
      `${p.name} (${humanise(p.jurisdiction)}, ${p.id} v${p.version}${p.authority ? `, ${p.stored ? 'stored by' : 'with term dates of'} ${p.authority.name}` : ''}${p.termDates ? `, term dates v${p.termDates.version}` : ''})`,
  );

  const summaryTable = table({
    caption: `The report in figures, as of ${formatDate(report.asOf)}`,
    className: 'summary',
    columns: [{ label: 'Measure' }, { label: 'Number', numeric: true }],
    rows: [
      ['Children in the report', summary.children],
      ...COMPLIANCE_OUTCOMES.map((o) => [`Children: ${humanise(o).toLowerCase()}`, summary.outcomes[o]]),
      ...STACK.map((s) => [`Deadlines ${STATUS[s].label.toLowerCase()}`, summary.deadlines[s]]),
      ['Deadlines met on time, of those met or past due', onTime === null ? 'none yet' : `${onTime} %`],
      [
        'Current plans rated adequate, of those rated',
        rated.length ? `${adequate} of ${rated.length}` : 'none rated',
      ],
    ],
  });

  const monthFigures = {
    caption: 'Deadlines by month due',
    columns: [
      { label: 'Month' },
      ...STACK.map((s) => ({ label: STATUS[s].label, numeric: true })),
      { label: 'On time', numeric: true },
    ],
    rows: months.rows.map((m) => [
      m.label,
      ...STACK.map((s) => m[s]),
      m.onTime === null ? '–' : `${m.onTime} %`,
    ]),
  };
  const outside = [
    months.before ? `${plural(months.before, 'deadline')} due before ${months.rows[0]!.label}` : '',
    months.after ? `${plural(months.after, 'deadline')} due after ${months.rows.at(-1)!.label}` : '',
  ].filter(Boolean);

  // An authority's children on roll nowhere known to CELR leave the column empty: then it is left out.
  const schools = report.items.some((i) => i.school);
  const children = table({
    caption: `Each child (${plural(report.items.length, 'child', 'children')})`,
    className: 'children',
    columns: [
      { label: 'Child' },
      ...(schools ? [{ label: 'School' }] : []),
      { label: 'Current plan' },
      { label: 'Last review' },
      ...STACK.map((s) => ({ label: STATUS[s].label, numeric: true })),
      { label: 'Needs attention' },
    ],
    rows: report.items.map((item) => {
      const count = (s: Status) => item.result.deadlines.filter((d) => d.status === s).length;
      return [
        childName(item),
        ...(schools ? [item.school?.name ?? ''] : []),
        currentPlan(item, ratings),
        item.result.lastReview ? formatDate(item.result.lastReview.date) : 'None',
        ...STACK.map(count),
        attention(item),
      ];
    }),
    empty: 'No children: your organisation sees none in this report.',
  });

  return page({
    title: 'PEP compliance',
    subtitle: [
      `As of ${formatDate(report.asOf)}: ${plural(summary.children, 'child', 'children')}.`,
      options.filters?.length ? ` Only ${options.filters.join('; ')}.` : '',
    ],
    sections: [
      { id: 'summary', heading: 'Summary', content: [summaryTable] },
      {
        id: 'on-time',
        heading: 'On time, month by month',
        intro: `Each bar is the PEP deadlines due in a month, by what became of them; the figure above it is the share met on time of those met or past due.${outside.length ? ` Not shown: ${outside.join(' and ')}.` : ''}`,
        content: [
          figure(
            'on-time-figure',
            'Deadlines due each month, and the share met on time',
            monthSvg,
            monthFigures,
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
      `Policies: ${policies.length ? policies.join('; ') : 'none (no children)'}. `,
      `Made ${options.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC by celr report pep-compliance`,
      options.source ? ` from ${options.source}` : '',
      '. This report names children in care: share it only as your authority’s data-protection rules allow.',
    ],
  });
}
