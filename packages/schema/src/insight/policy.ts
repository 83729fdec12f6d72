import Type, { type Static } from 'typebox';
import { codesFor } from '../common/code.js';
import { IsoDate, Jurisdiction, Text } from '../common/primitives.js';
import { pointerOf, type ValidationIssue } from '../validation/issue.js';
import { checkSchema } from '../validation/validate.js';

/**
 * PEP compliance rules as data: what an authority holds its plans and reviews to. A policy is
 * versioned, names its source, and lists deadlines, each with what starts its clock, how long it
 * allows, what meets it and what restarts it, and the quality rubric the plan is rated against.
 */

/** The deadlines a policy may set. Reports and code refer to these names only. */
export const COMPLIANCE_DEADLINES = [
  'plan-in-place',
  'plan-ready-for-first-review',
  'first-review',
  'second-review',
  'termly-review',
  'periodic-review',
  'review-after-school-move',
] as const;
export type ComplianceDeadline = (typeof COMPLIANCE_DEADLINES)[number];

/** What starts a deadline's clock. */
export const CLOCK_STARTS = ['entering-care', 'school-move', 'previous-review'] as const;
export type ClockStart = (typeof CLOCK_STARTS)[number];

/** The units an allowance is counted in. `school-days` and `terms` need the authority's term dates. */
export const ALLOWANCE_UNITS = ['working-days', 'school-days', 'calendar-days', 'months', 'terms'] as const;
export type AllowanceUnit = (typeof ALLOWANCE_UNITS)[number];

/** What meets a deadline: a plan of the policy's types in place, or a review meeting held. */
export const DEADLINE_MET_BY = ['plan', 'review'] as const;
export type DeadlineMetBy = (typeof DEADLINE_MET_BY)[number];

/** Events that restart a deadline's clock (a new occurrence from the event's date). */
export const CLOCK_RESTARTS = ['school-move'] as const;
export type ClockRestart = (typeof CLOCK_RESTARTS)[number];

const Citation = Type.Object(
  {
    title: Text('Title of the guidance, regulations or local policy.', 300),
    publisher: Text('Who publishes it.', 200),
    url: Type.String({ format: 'uri', maxLength: 500, description: 'Where it is published.' }),
    edition: Text('Which edition or date.', 200),
    sections: Type.Optional(Text('The paragraphs or regulations the deadlines come from.', 500)),
  },
  { additionalProperties: false, description: 'The published source of the policy.' },
);

const Deadline = Type.Object(
  {
    id: Type.Enum(COMPLIANCE_DEADLINES, { type: 'string', description: 'Which deadline this is.' }),
    description: Text('The rule in words, as the source puts it.', 1000),
    clock: Type.Enum(CLOCK_STARTS, {
      type: 'string',
      description:
        '`entering-care`: the start of the current period of care; `school-move`: each completed school move in it; `previous-review`: the date the deadline named in `after` was met, then (when `recurring`) each review.',
    }),
    after: Type.Optional(
      Type.Enum(COMPLIANCE_DEADLINES, {
        type: 'string',
        description: 'For a `previous-review` clock: the earlier deadline whose meeting starts the clock.',
      }),
    ),
    allowance: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description: 'How many units the deadline allows.',
    }),
    unit: Type.Enum(ALLOWANCE_UNITS, { type: 'string', description: 'The unit of the allowance.' }),
    metBy: Type.Enum(DEADLINE_MET_BY, {
      type: 'string',
      description:
        '`plan`: a plan of one of `planTypes`, not a draft, whose period starts on or after the clock start; `review`: a held meeting of one of `reviewMeetingTypes` on or after it.',
    }),
    recurring: Type.Optional(
      Type.Boolean({ description: 'For a `previous-review` clock: the deadline repeats after each review.' }),
    ),
    restartedBy: Type.Optional(
      Type.Array(
        Type.Enum(CLOCK_RESTARTS, { type: 'string', description: 'An event that restarts the clock.' }),
        {
          maxItems: 5,
          description:
            'For an `entering-care` clock: events that start it again, so that a new plan is needed (e.g. a school move, in authorities that restart the PEP).',
        },
      ),
    ),
  },
  { additionalProperties: false, description: 'One deadline.' },
);
export type PolicyDeadline = Static<typeof Deadline>;

const Rubric = Type.Object(
  {
    ratings: Type.Array(
      Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 50, description: 'The rating as plans record it.' }),
          label: Text('What it means.', 200),
        },
        { additionalProperties: false, description: 'One rating.' },
      ),
      { minItems: 1, maxItems: 10, description: 'The ratings, best first.' },
    ),
    adequate: Type.Array(Type.String({ maxLength: 50, description: 'A rating code.' }), {
      maxItems: 10,
      description: 'The ratings that count as adequate (e.g. for Pupil Premium Plus to be paid).',
    }),
  },
  { additionalProperties: false, description: 'How plans are rated, and which ratings are adequate.' },
);

const codeArray = (description: string) =>
  Type.Array(Type.String({ maxLength: 100, description: 'A code.' }), {
    minItems: 1,
    maxItems: 20,
    description,
  });

export const CompliancePolicy = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,99}$',
      maxLength: 100,
      description: 'Stable identifier, lower case with hyphens, e.g. `england-dfe-2018`.',
    }),
    version: Type.Integer({ minimum: 1, maximum: 100000, description: 'Goes up by one with each change.' }),
    jurisdiction: Jurisdiction,
    name: Text('The policy as people call it.', 200),
    effectiveFrom: Type.Optional(IsoDate('When the authority started to apply this version.')),
    source: Citation,
    assumptions: Type.Optional(
      Type.Array(Text('An assumption.', 1000), {
        maxItems: 20,
        description: 'Where the source leaves a choice, what this policy assumes.',
      }),
    ),
    planTypes: codeArray('The `plan-type` codes whose plans the deadlines are about, e.g. `pep`.'),
    reviewMeetingTypes: codeArray('The `meeting-type` codes that count as a review, e.g. `pep-meeting`.'),
    schoolMoveTypes: codeArray('The `transition-type` codes that count as a school move.'),
    deadlines: Type.Array(Deadline, { minItems: 1, maxItems: 20, description: 'The deadlines, in order.' }),
    rubric: Rubric,
  },
  {
    additionalProperties: false,
    title: 'CompliancePolicy',
    description:
      "An authority's PEP compliance rules as data: deadlines, what starts and restarts their clocks, and the quality rubric.",
  },
);
export type CompliancePolicy = Static<typeof CompliancePolicy>;

/**
 * A compliance policy: the schema, then the rules it cannot express. Issues are those of `validate`:
 * a JSON pointer, a stable rule and a message. Never throws.
 */
export function validateCompliancePolicy(value: unknown): ValidationIssue[] {
  const issues = checkSchema(CompliancePolicy, value);
  if (issues.length) return issues;
  const policy = value as CompliancePolicy;
  const lists = [
    ['planTypes', 'plan-type'],
    ['reviewMeetingTypes', 'meeting-type'],
    ['schoolMoveTypes', 'transition-type'],
  ] as const;
  for (const [member, list] of lists) {
    const allowed = codesFor(list, policy.jurisdiction);
    policy[member].forEach((code, i) => {
      if (!allowed.includes(code))
        issues.push({
          pointer: pointerOf(member, i),
          rule: 'code-list',
          message: `'${code}' is not a ${policy.jurisdiction} code in \`${list}\`.`,
        });
    });
  }
  const seen = new Set<string>();
  policy.deadlines.forEach((d, i) => {
    if (seen.has(d.id))
      issues.push({
        pointer: pointerOf('deadlines', i, 'id'),
        rule: 'unique',
        message: `'${d.id}' is set twice.`,
      });
    if (d.clock === 'previous-review') {
      if (!d.after)
        issues.push({
          pointer: pointerOf('deadlines', i, 'after'),
          rule: 'required',
          message: "A `previous-review` clock names the deadline it follows in 'after'.",
        });
      else if (!seen.has(d.after))
        issues.push({
          pointer: pointerOf('deadlines', i, 'after'),
          rule: 'deadline-order',
          message: `'${d.after}' is not a deadline listed before this one.`,
        });
    } else {
      if (d.after !== undefined)
        issues.push({
          pointer: pointerOf('deadlines', i, 'after'),
          rule: 'clock-after',
          message: "'after' is for a `previous-review` clock only.",
        });
      if (d.recurring)
        issues.push({
          pointer: pointerOf('deadlines', i, 'recurring'),
          rule: 'clock-recurring',
          message: 'Only a `previous-review` clock recurs.',
        });
    }
    if (d.restartedBy?.length && d.clock !== 'entering-care')
      issues.push({
        pointer: pointerOf('deadlines', i, 'restartedBy'),
        rule: 'clock-restart',
        message: 'Only an `entering-care` clock is restarted by an event.',
      });
    seen.add(d.id);
  });
  const codes = policy.rubric.ratings.map((r) => r.code);
  codes.forEach((code, i) => {
    if (codes.indexOf(code) !== i)
      issues.push({
        pointer: pointerOf('rubric', 'ratings', i, 'code'),
        rule: 'unique',
        message: `'${code}' is listed twice.`,
      });
  });
  policy.rubric.adequate.forEach((code, i) => {
    if (!codes.includes(code))
      issues.push({
        pointer: pointerOf('rubric', 'adequate', i),
        rule: 'rubric-adequate',
        message: `'${code}' is not one of the rubric's ratings.`,
      });
  });
  return issues;
}

const SCHOOL_MOVES = [
  'in-year-school-move',
  'phase-transfer-early-years-primary',
  'phase-transfer-primary-secondary',
  'phase-transfer-secondary-post16',
];

const RAG = {
  ratings: [
    { code: 'green', label: 'Good: the plan meets the standard.' },
    { code: 'amber', label: 'Requires improvement: adequate, with actions to improve it.' },
    { code: 'red', label: 'Inadequate: the plan must be redone.' },
  ],
  adequate: ['green', 'amber'],
};

/** England's default: the DfE statutory guidance of 2018. */
export const englandDefaultPolicy: CompliancePolicy = {
  id: 'england-dfe-2018',
  version: 1,
  jurisdiction: 'england',
  name: 'England: DfE statutory guidance (2018)',
  source: {
    title:
      'Promoting the education of looked-after children and previously looked-after children: statutory guidance for local authorities',
    publisher: 'Department for Education',
    url: 'https://www.gov.uk/government/publications/promoting-the-education-of-looked-after-children',
    edition: 'February 2018',
    sections:
      'PEP: initiated within 10 working days of entering care, in place for the first statutory review at 20 working days, reviewed every term and when the child moves school',
  },
  assumptions: [
    'A PEP is "in place" on the first day of its period (plan.period.start), once it is no longer a draft; one started before the child entered care (planned care) counts.',
    'A review is a held PEP meeting, on the date it was scheduled for.',
    '"Every term" is read as: a review in the term after the term of the previous review, counted from the PEP; it needs the authority\'s term dates.',
    'The guidance sets no number of days for the review after a school move; CELR assumes 10 working days from the move. Authorities set their own.',
    'A school move is a completed in-year move or phase transfer after the child entered care. It does not restart the PEP.',
    'Red is inadequate; amber and green are adequate.',
  ],
  planTypes: ['pep'],
  reviewMeetingTypes: ['pep-meeting'],
  schoolMoveTypes: SCHOOL_MOVES,
  deadlines: [
    {
      id: 'plan-in-place',
      description: 'A PEP is in place within 10 working days of the child entering care.',
      clock: 'entering-care',
      allowance: 10,
      unit: 'working-days',
      metBy: 'plan',
    },
    {
      id: 'plan-ready-for-first-review',
      description: 'The PEP is ready for the first statutory review of the care plan, at 20 working days.',
      clock: 'entering-care',
      allowance: 20,
      unit: 'working-days',
      metBy: 'plan',
    },
    {
      id: 'termly-review',
      description: 'The PEP is reviewed every term.',
      clock: 'previous-review',
      after: 'plan-in-place',
      allowance: 1,
      unit: 'terms',
      metBy: 'review',
      recurring: true,
    },
    {
      id: 'review-after-school-move',
      description: 'The PEP is reviewed when the child moves school (CELR assumes within 10 working days).',
      clock: 'school-move',
      allowance: 10,
      unit: 'working-days',
      metBy: 'review',
    },
  ],
  rubric: RAG,
};

/**
 * Scotland's default. Scotland has no statutory PEP: the education part of the child's plan is
 * reviewed with the looked-after child review, whose timescales are set by regulation 45 of the
 * Looked After Children (Scotland) Regulations 2009.
 */
export const scotlandDefaultPolicy: CompliancePolicy = {
  id: 'scotland-lac-regulations-2009',
  version: 1,
  jurisdiction: 'scotland',
  name: 'Scotland: looked after child review timescales (2009 Regulations)',
  source: {
    title: 'The Looked After Children (Scotland) Regulations 2009 (SSI 2009/210)',
    publisher: 'legislation.gov.uk',
    url: 'https://www.legislation.gov.uk/ssi/2009/210/regulation/45',
    edition: 'As made, 2009',
    sections:
      'Regulation 45: first review within 6 weeks of the child being placed, the second within 3 months of the first, then at intervals of no more than 6 months',
  },
  assumptions: [
    "The child's plan (plan type `childs-plan`) is expected in place by the first review, 6 weeks (42 days) after the child became looked after; the regulations set the review, not the plan.",
    'The clock starts when the child became looked after (careStatus.since), taken as the date of first placement.',
    'A review is a held looked after child review (meeting type `looked-after-review-scotland`).',
    'A school move does not restart a clock and sets no deadline of its own.',
    'Red is inadequate; amber and green are adequate.',
  ],
  planTypes: ['childs-plan'],
  reviewMeetingTypes: ['looked-after-review-scotland'],
  schoolMoveTypes: SCHOOL_MOVES,
  deadlines: [
    {
      id: 'plan-in-place',
      description:
        "A child's plan is in place by the first review, 6 weeks after the child became looked after.",
      clock: 'entering-care',
      allowance: 42,
      unit: 'calendar-days',
      metBy: 'plan',
    },
    {
      id: 'first-review',
      description: 'The first review is held within 6 weeks of the child being placed.',
      clock: 'entering-care',
      allowance: 42,
      unit: 'calendar-days',
      metBy: 'review',
    },
    {
      id: 'second-review',
      description: 'The second review is held within 3 months of the first.',
      clock: 'previous-review',
      after: 'first-review',
      allowance: 3,
      unit: 'months',
      metBy: 'review',
    },
    {
      id: 'periodic-review',
      description: 'Later reviews are held at intervals of no more than 6 months.',
      clock: 'previous-review',
      after: 'second-review',
      allowance: 6,
      unit: 'months',
      metBy: 'review',
      recurring: true,
    },
  ],
  rubric: RAG,
};

/** The default policy of each jurisdiction. */
export const defaultCompliancePolicies: Readonly<Record<Jurisdiction, CompliancePolicy>> = {
  england: englandDefaultPolicy,
  scotland: scotlandDefaultPolicy,
};
