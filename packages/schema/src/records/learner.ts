import Type from 'typebox';
import { jurisdictionListIds } from '../code-lists/index.js';
import { CodeField, JurisdictionCodeField } from '../common/code.js';
import { Identifiers } from '../common/identifier.js';
import { AuthorityRef, OrganisationRef, SchoolRef } from '../common/organisation.js';
import { Contact } from '../common/parts.js';
import { ClosedPeriod, IsoDate, type Jurisdiction, PersonName, Text } from '../common/primitives.js';

const CareStatus = (j: Jurisdiction) =>
  Type.Object(
    {
      status: CodeField(
        'care-status',
        j,
        'Looked after now, previously looked after, care leaver or care experienced.',
      ),
      legalStatus: Type.Optional(
        JurisdictionCodeField(
          jurisdictionListIds.legalStatus,
          j,
          'The legal basis of being looked after: SSDA903 legal status in England, CLAS legal reason in Scotland.',
        ),
      ),
      placementType: Type.Optional(
        JurisdictionCodeField(
          jurisdictionListIds.placementType,
          j,
          'Where the child lives: SSDA903 placement type in England, CLAS placement type in Scotland.',
        ),
      ),
      since: Type.Optional(
        IsoDate('When the current status began (for example the start of the care episode).'),
      ),
      placementStart: Type.Optional(IsoDate('When the current placement began.')),
    },
    {
      additionalProperties: false,
      description: 'Care status with legal status and placement type for the jurisdiction.',
    },
  );

const Enrolment = (j: Jurisdiction) =>
  Type.Object(
    {
      school: SchoolRef,
      startDate: IsoDate('First day on roll.'),
      yearGroup: Type.Optional(
        JurisdictionCodeField(
          jurisdictionListIds.yearGroup,
          j,
          'National curriculum year group in England, stage in Scotland. Absent where the setting has none.',
        ),
      ),
      setting: CodeField(
        'education-setting',
        j,
        'Full time, part time, alternative provision, not in education, elective home education, further education or other.',
      ),
      hoursPerWeek: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 40,
          description: 'Hours of education a week, when not full time.',
        }),
      ),
    },
    { additionalProperties: false, description: 'The current school enrolment.' },
  );

const AdditionalNeeds = (j: Jurisdiction) =>
  Type.Object(
    {
      status: JurisdictionCodeField(
        jurisdictionListIds.senOrAsn,
        j,
        'SEN provision in England (school census), additional support needs in Scotland.',
      ),
      primaryNeed: Type.Optional(Text('The main need, as the school records it.', 200)),
      notes: Type.Optional(Text('What helps, in the words of those who know the child.', 2000)),
    },
    {
      additionalProperties: false,
      description: 'Special educational needs (England) or additional support needs (Scotland).',
    },
  );

const AttendanceSummary = Type.Object(
  {
    period: ClosedPeriod,
    possibleSessions: Type.Integer({
      minimum: 0,
      maximum: 1000,
      description: 'Sessions (half days) the school was open to the child.',
    }),
    attendedSessions: Type.Integer({
      minimum: 0,
      maximum: 1000,
      description: 'Sessions attended, including approved educational activity.',
    }),
    authorisedAbsenceSessions: Type.Integer({
      minimum: 0,
      maximum: 1000,
      description: 'Sessions of authorised absence.',
    }),
    unauthorisedAbsenceSessions: Type.Integer({
      minimum: 0,
      maximum: 1000,
      description: 'Sessions of unauthorised absence.',
    }),
    source: Type.Optional(
      Text('Where the figures came from, e.g. the school MIS or the DfE attendance feed.', 200),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Attendance over one period. Attended and absent sessions together never exceed the possible sessions.',
  },
);

const Exclusion = (j: Jurisdiction) =>
  Type.Object(
    {
      type: JurisdictionCodeField(
        jurisdictionListIds.exclusionType,
        j,
        'Suspension or permanent exclusion (England); exclusion or removal from the register (Scotland).',
      ),
      startDate: IsoDate('First day of the exclusion.'),
      sessions: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 400, description: 'Length in sessions (half days).' }),
      ),
      reason: Type.Optional(Text('The reason the school gave.', 500)),
      school: Type.Optional(SchoolRef),
    },
    { additionalProperties: false, description: 'A suspension or exclusion.' },
  );

const PROGRESS = ['below-expected', 'expected', 'above-expected'] as const;

const Attainment = Type.Object(
  {
    subject: Text('Subject or area, e.g. Reading, Mathematics, Literacy.', 100),
    measure: Text('What was assessed, e.g. KS2 scaled score, GCSE grade, CfE level, National 5.', 200),
    result: Text('The result as recorded.', 100),
    assessedOn: IsoDate('When it was assessed.'),
    progress: Type.Optional(
      Type.Enum(PROGRESS, {
        type: 'string',
        description: 'Progress against what was expected for the child.',
      }),
    ),
    target: Type.Optional(Text('The target for the next assessment.', 100)),
  },
  { additionalProperties: false, description: 'An attainment or progress result.' },
);

const ChildView = Type.Object(
  {
    recordedOn: IsoDate('When the child said it.'),
    text: Text("The child's words, or a faithful summary of them.", 4000),
    how: Type.Optional(Text('How the view was gathered, e.g. in a PEP meeting, through an advocate.', 200)),
  },
  { additionalProperties: false, description: "The child's own view, in their words where possible." },
);

const ReviewItem = Type.Object(
  {
    pointer: Type.String({
      maxLength: 200,
      description: 'Where the value was in the sending record (JSON pointer).',
    }),
    value: Type.Unknown({ description: 'The value as it was sent, unchanged.' }),
    list: Type.Optional(Type.String({ maxLength: 100, description: 'The code list the value came from.' })),
    label: Type.Optional(Type.String({ maxLength: 500, description: "The code's label in that list." })),
    reason: Text('Why it needs review.', 500),
    raisedOn: IsoDate('When the value was set aside.'),
  },
  { additionalProperties: false, description: 'A value set aside for review.' },
);

const IdentityConflict = Type.Object(
  {
    pointer: Type.String({
      maxLength: 200,
      description:
        'The identity field the incoming record disagreed on (JSON pointer into the learner: `/name`, `/dateOfBirth`, `/identifiers/{n}` of the incoming record).',
    }),
    incoming: Type.Unknown({ description: 'The value the incoming record had; the learner keeps its own.' }),
    source: Type.Optional(OrganisationRef),
    bundleId: Type.Optional(
      Type.String({
        format: 'uuid',
        maxLength: 36,
        description: 'The bundle (or transfer) the value came in.',
      }),
    ),
    raisedOn: IsoDate('When the conflict was found.'),
  },
  {
    additionalProperties: false,
    description: 'An identity value an incoming record disagreed with, kept for review.',
  },
);

/** The fields of a learner record that a client writes, for one jurisdiction. */
export const learnerFields = (j: Jurisdiction) => ({
  jurisdiction: Type.Literal(j, { description: 'The nation whose code lists apply.' }),
  name: PersonName,
  dateOfBirth: IsoDate('Date of birth. Never in the future.'),
  identifiers: Type.Optional(Identifiers),
  careStatus: CareStatus(j),
  responsibleAuthority: AuthorityRef,
  hostAuthority: Type.Optional(AuthorityRef),
  enrolment: Type.Optional(Enrolment(j)),
  additionalNeeds: Type.Optional(AdditionalNeeds(j)),
  attendance: Type.Optional(
    Type.Array(AttendanceSummary, { maxItems: 200, description: 'Attendance summaries, one per period.' }),
  ),
  exclusions: Type.Optional(
    Type.Array(Exclusion(j), { maxItems: 200, description: 'Suspensions and exclusions.' }),
  ),
  attainment: Type.Optional(
    Type.Array(Attainment, { maxItems: 500, description: 'Attainment and progress.' }),
  ),
  contacts: Type.Optional(Type.Array(Contact(j), { maxItems: 50, description: 'Key contacts by role.' })),
  views: Type.Optional(
    Type.Array(ChildView, { maxItems: 200, description: "The child's own views over time." }),
  ),
  review: Type.Optional(
    Type.Array(ReviewItem, {
      maxItems: 200,
      description:
        "Values that came in a transfer from the other nation and have no counterpart in this nation's code lists: kept here, with where they were, for the receiving authority to review. Remove an item once it is dealt with.",
    }),
  ),
  identityConflicts: Type.Optional(
    Type.Array(IdentityConflict, {
      maxItems: 50,
      description:
        'Where a transfer or bundle matched this learner but named them differently (name, date of birth, an identifier): a match never rewrites who the child is, so the learner keeps its values and the incoming ones wait here until the responsible authority resolves them (corrects the learner if need be, and removes the items, e.g. `PATCH {"identityConflicts": null}`).',
    }),
  ),
});
