/**
 * The demo learners with their plans, meetings and transitions, generated from a seeded PRNG: the
 * same on every call. England's and Scotland's learners are the same story (stories/story.ts) told
 * with each nation's words (stories/england.ts, stories/scotland.ts).
 */
import { type RecordKind, type ValidationIssue, validate } from '@celr/schema';
import { DEMO_AS_OF } from './dates.js';
import { Prng, spread, uniqueNames } from './random.js';
import { england } from './stories/england.js';
import { scotland } from './stories/scotland.js';
import { type DemoLearner, story } from './stories/story.js';

export type { DemoLearner } from './stories/story.js';

export interface DemoDataset {
  learners: DemoLearner[];
}

/** England's 30 learners, then Scotland's 20. */
const NATIONS = [england, scotland];
const SEED = 0x0ce1_2026;
/** Each nation's learners are spread over its 13 school stages (England: Reception to Year 12; Scotland: ELC to S5). */
const STAGES = 13;

/** A placeholder id used only to validate plans, meetings and transitions before their learner exists. */
const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';

/**
 * The demo learners with their plans, meetings and transitions: the same on every call. Every record
 * is checked with `validate` from @celr/schema, and every date against DEMO_AS_OF; this throws, listing
 * every issue, if one is not valid.
 */
export function generateDemoDataset(): DemoDataset {
  const rng = new Prng(SEED);
  const names = NATIONS.map((n) => uniqueNames(rng, n.names.given, n.names.family, n.learners));
  const stages = NATIONS.map((n) => spread(rng, 0, STAGES - 1, n.learners));
  const learners = NATIONS.flatMap((nation, i) =>
    names[i]!.map((name, index) => story(rng, nation, index, name, stages[i]![index]!)),
  );
  assertValid(learners);
  return { learners };
}

function assertValid(learners: DemoLearner[]): void {
  const problems: string[] = [];
  const check = (kind: RecordKind, label: string, value: unknown) => {
    const result = validate(kind, value);
    const issues: ValidationIssue[] = result.ok ? [] : result.issues;
    for (const issue of issues) problems.push(`${label}${issue.pointer}: ${issue.message} (${issue.rule})`);
    for (const [pointer, date] of datesIn(value)) {
      if (date > DEMO_AS_OF) problems.push(`${label}${pointer}: ${date} is after ${DEMO_AS_OF}`);
    }
  };
  for (const [i, story] of learners.entries()) {
    const label = `learner ${i} (${story.learner.name.given} ${story.learner.name.family})`;
    check('learner', label, story.learner);
    for (const [p, plan] of story.plans.entries()) {
      check('plan', `${label} plan ${p}`, { ...plan, learnerId: PLACEHOLDER_ID });
    }
    for (const [m, { planIndex, meeting }] of story.meetings.entries()) {
      const planId = planIndex === undefined ? {} : { planId: PLACEHOLDER_ID };
      check('meeting', `${label} meeting ${m}`, { ...meeting, learnerId: PLACEHOLDER_ID, ...planId });
    }
    for (const [n, transition] of story.transitions.entries()) {
      check('transition', `${label} transition ${n}`, { ...transition, learnerId: PLACEHOLDER_ID });
    }
  }
  if (problems.length) {
    throw new Error(`The demo data is not valid (${problems.length} issues):\n  ${problems.join('\n  ')}`);
  }
}

/** Every ISO date (or the date of every timestamp) in a value, with its JSON pointer. */
function datesIn(value: unknown, pointer = ''): [string, string][] {
  if (typeof value === 'string')
    return /^\d{4}-\d{2}-\d{2}/.test(value) ? [[pointer, value.slice(0, 10)]] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => datesIn(v, `${pointer}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => datesIn(v, `${pointer}/${k}`));
  }
  return [];
}
