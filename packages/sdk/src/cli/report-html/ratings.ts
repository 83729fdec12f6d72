import { type CompliancePolicy, defaultCompliancePolicies } from '@celr/schema';
import { COLOURS } from './chart.js';
import { humanise } from './format.js';

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

export const NOT_RATED = 'not-rated';
export const NO_PLAN = 'no-plan';

// Ratings named for a colour get that colour (rubrics are red/amber/green or gold/green/amber/red).
const NAMED: Record<string, string> = {
  gold: '#b08d00',
  green: COLOURS.good,
  amber: COLOURS.warning,
  red: COLOURS.bad,
};
const OTHERS = ['#4c78a8', '#9467bd', '#8c564b', '#17becf', '#e377c2', '#7f7f7f'];

/**
 * The report's policy of each jurisdiction, when it is a default the schema knows (same id and
 * version): only then are its rubric's ratings, best first, and what counts as adequate known here.
 */
function knownPolicies(
  policies: Record<string, { id: string; version: number } | undefined>,
): CompliancePolicy[] {
  return Object.values(policies).flatMap((p) =>
    Object.values(defaultCompliancePolicies).filter((d) => p && d.id === p.id && d.version === p.version),
  );
}

/**
 * The categories of the ratings chart, in order: the known rubrics' ratings best first, any other rating
 * the plans carry (in the order first seen), then plans not rated and children with no plan.
 */
export function ratingCategories(
  policies: Record<string, { id: string; version: number } | undefined>,
  seen: Iterable<string>,
): RatingCategory[] {
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
  for (const code of seen) add(code);
  add(NOT_RATED, { label: 'Not rated', colour: COLOURS.pending });
  add(NO_PLAN, { label: 'No plan', colour: COLOURS.none });
  return [...categories.values()];
}
