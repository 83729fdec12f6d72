import Type from 'typebox';
import { CodeField } from '../common/code.js';
import { OrganisationRef } from '../common/organisation.js';
import { ActionItem, PersonInRole } from '../common/parts.js';
import { IsoDate, type Jurisdiction, MoneyPence, Period, RecordId, Text } from '../common/primitives.js';

export const PLAN_STATUSES = ['draft', 'active', 'under-review', 'completed', 'superseded'] as const;
const TARGET_PROGRESS = ['not-started', 'on-track', 'off-track', 'achieved', 'not-achieved'] as const;
const RAG = ['red', 'amber', 'green'] as const;

const Target = Type.Object(
  {
    area: Text('The area of learning or development, e.g. Literacy, Attendance, Wellbeing.', 100),
    description: Text('The target, specific and measurable.', 2000),
    measure: Text('How progress is measured.', 500),
    baseline: Type.Optional(Text('Where the child is now.', 500)),
    targetDate: IsoDate('When it should be met.'),
    progress: Type.Enum(TARGET_PROGRESS, { type: 'string', description: 'Progress so far.' }),
    progressNotes: Type.Optional(Text('Evidence of progress.', 2000)),
  },
  { additionalProperties: false, description: 'A SMART target.' },
);

const Provision = (j: Jurisdiction) =>
  Type.Object(
    {
      description: Text('What is provided, e.g. one-to-one tuition twice a week.', 2000),
      ownerRole: Type.Optional(CodeField('contact-role', j, 'Who arranges it.')),
      fundingSource: CodeField(
        'funding-source',
        j,
        'Who pays: Pupil Premium Plus (England), the Care Experienced Children and Young People Fund (Scotland), or other.',
      ),
      amountPence: MoneyPence('Cost of the provision.'),
      period: Type.Optional(Period),
    },
    { additionalProperties: false, description: 'Provision and how it is funded.' },
  );

const QualityAssurance = (j: Jurisdiction) =>
  Type.Object(
    {
      rating: Type.Enum(RAG, {
        type: 'string',
        description: 'Red, amber or green, as the virtual school rates the plan.',
      }),
      reviewer: PersonInRole(j, 'Who reviewed the plan.'),
      reviewedOn: IsoDate('When it was reviewed.'),
      comments: Type.Optional(Text("The reviewer's comments.", 4000)),
    },
    { additionalProperties: false, description: 'Quality assurance of the plan.' },
  );

const Contributor = (j: Jurisdiction) =>
  Type.Object(
    {
      role: CodeField('contact-role', j, 'Their role.'),
      name: Type.Optional(Text('Their name.', 200)),
      organisation: Type.Optional(OrganisationRef),
      contributedOn: Type.Optional(IsoDate('When they contributed.')),
    },
    { additionalProperties: false, description: 'Someone who contributed to the plan.' },
  );

export const planFields = (j: Jurisdiction) => ({
  jurisdiction: Type.Literal(j, { description: 'The nation whose code lists apply.' }),
  learnerId: { ...RecordId, description: 'The learner the plan is for.' },
  type: CodeField('plan-type', j, "PEP, child's plan, CSP, EHC plan or pathway plan."),
  status: Type.Enum(PLAN_STATUSES, {
    type: 'string',
    description: 'Draft, active, under review, completed or superseded.',
  }),
  period: Period,
  reviewDue: Type.Optional(IsoDate('When the plan must next be reviewed (every term for a PEP).')),
  targets: Type.Optional(Type.Array(Target, { maxItems: 100, description: 'Targets.' })),
  actions: Type.Optional(Type.Array(ActionItem(j), { maxItems: 200, description: 'Actions with owners.' })),
  provision: Type.Optional(
    Type.Array(Provision(j), { maxItems: 100, description: 'Provision and funding.' }),
  ),
  views: Type.Optional(
    Type.Object(
      {
        child: Type.Optional(Text("The child's views.", 4000)),
        carers: Type.Optional(Text("The carers' views.", 4000)),
        parents: Type.Optional(Text("The parents' views, where appropriate.", 4000)),
      },
      { additionalProperties: false, description: 'Views of the child and the adults around them.' },
    ),
  ),
  qualityAssurance: Type.Optional(QualityAssurance(j)),
  contributors: Type.Optional(Type.Array(Contributor(j), { maxItems: 50, description: 'Who contributed.' })),
  signOff: Type.Optional(
    Type.Object(
      { signedOffBy: PersonInRole(j, 'Who signed the plan off.'), signedOffOn: IsoDate('When.') },
      { additionalProperties: false, description: 'Sign-off of the plan.' },
    ),
  ),
});
