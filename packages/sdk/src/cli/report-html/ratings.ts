import { type CompliancePolicy, defaultCompliancePolicies, RATING_GROUPS_WITHOUT_RATING } from '@celr/schema';
import { type Chart, COLOURS } from './chart.js';
import { formatDate, humanise, plural } from './format.js';

/** A bar of the ratings chart: a rating of the rubric, or a plan not rated, or no plan at all. */
export interface RatingCategory {
  key: string;
  label: string;
  /** What the rubric says it means, when it is one of the rubric's ratings. */
  meaning?: string;
  /** Whether the rubric counts it as adequate; undefined when it is not a rubric rating. */
  adequate?: boolean;
  colour: string;
}

/** The cohort report's names for a plan not rated and for no plan, used by both reports. */
export const [NOT_RATED, NO_PLAN] = RATING_GROUPS_WITHOUT_RATING;

// Ratings named for a colour get that colour (rubrics are red/amber/green or gold/green/amber/red).
const NAMED: Record<string, string> = {
  gold: '#b08d00',
  green: COLOURS.good,
  amber: COLOURS.warning,
  red: COLOURS.bad,
};
const OTHERS = ['#4c78a8', '#9467bd', '#8c564b', '#17becf', '#e377c2', '#7f7f7f'];

/** A report's policies: a list (the PEP compliance report) or one per jurisdiction (the cohort report). */
type PoliciesOf =
  | readonly { id: string; version: number }[]
  | Record<string, { id: string; version: number } | undefined>;

/**
 * The report's policies that are defaults the schema knows (same id and version): only then are
 * their rubric's ratings, best first, and what counts as adequate known here. (An authority's own
 * stored policy is named by id and version only; its ratings come in the order first seen.)
 */
function knownPolicies(policies: PoliciesOf): CompliancePolicy[] {
  const list = Array.isArray(policies) ? policies : Object.values(policies);
  return list.flatMap((p) =>
    Object.values(defaultCompliancePolicies).filter((d) => p && d.id === p.id && d.version === p.version),
  );
}

/**
 * The categories of the ratings chart, in order: the known rubrics' ratings best first, any other rating
 * the plans carry (in the order first seen), then plans not rated and children with no plan.
 */
export function ratingCategories(policies: PoliciesOf, seen: Iterable<string>): RatingCategory[] {
  const categories = new Map<string, RatingCategory>();
  let other = 0;
  const add = (key: string, extra: Partial<RatingCategory> = {}) => {
    if (categories.has(key)) return;
    categories.set(key, {
      key,
      label: humanise(key),
      colour: NAMED[key] ?? OTHERS[other++ % OTHERS.length]!,
      ...extra,
    });
  };
  for (const policy of knownPolicies(policies)) {
    for (const r of policy.rubric.ratings) {
      add(r.code, { meaning: r.label, adequate: policy.rubric.adequate.includes(r.code) });
    }
  }
  const without: readonly string[] = RATING_GROUPS_WITHOUT_RATING;
  for (const code of seen) if (!without.includes(code)) add(code);
  add(NOT_RATED, { label: 'Not rated', colour: COLOURS.pending });
  add(NO_PLAN, { label: 'No plan', colour: COLOURS.none });
  return [...categories.values()];
}

/** Children counted by rating: a bar for each category with children, the others named on the axis. */
export function ratingChart(ratings: (RatingCategory & { children: number })[], asOf: string): Chart {
  const labels = ratings.map((r) => r.label);
  const values = ratings
    .filter((r) => r.children > 0)
    .map((r) => ({
      rating: r.label,
      children: r.children,
      description: `${r.label}: ${plural(r.children, 'child', 'children')}`,
    }));
  return {
    id: 'chart-ratings',
    title: `Children by the rating of their current plan, ${formatDate(asOf)}`,
    description: `${ratings.map((r) => `${r.label}: ${r.children}`).join(', ')}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: { step: 72 },
      height: 200,
      data: { values },
      encoding: {
        x: {
          field: 'rating',
          type: 'nominal',
          title: 'Rating of the current plan',
          scale: { domain: labels },
          sort: labels,
        },
      },
      layer: [
        {
          mark: { type: 'bar', tooltip: false },
          encoding: {
            y: {
              field: 'children',
              type: 'quantitative',
              title: 'Children',
              axis: { format: 'd', tickMinStep: 1 },
            },
            color: {
              field: 'rating',
              type: 'nominal',
              legend: null,
              scale: { domain: labels, range: ratings.map((r) => r.colour) },
            },
            description: { field: 'description', type: 'nominal' },
          },
        },
        {
          mark: { type: 'text', baseline: 'bottom', dy: -4, fontWeight: 'bold' },
          encoding: {
            y: { field: 'children', type: 'quantitative' },
            text: { field: 'children', type: 'quantitative' },
            description: { field: 'description', type: 'nominal' },
          },
        },
      ],
    },
  };
}

/** The table beside the ratings chart. */
export function ratingFigures(ratings: (RatingCategory & { children: number })[]) {
  return {
    caption: 'Children by the rating of their current plan',
    columns: [{ label: 'Rating' }, { label: 'What it means' }, { label: 'Children', numeric: true }],
    rows: ratings.map((r) => [
      r.label,
      r.meaning
        ? `${r.meaning}${r.adequate === undefined ? '' : r.adequate ? ' Adequate.' : ' Not adequate.'}`
        : '',
      r.children,
    ]),
  };
}
