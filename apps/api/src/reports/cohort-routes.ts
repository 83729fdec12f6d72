import {
  ATTENDANCE_BAND_CODES,
  COHORT_GROUPINGS,
  COHORT_IDENTIFIERS,
  COHORT_PHASES,
  type CohortGrouping,
  CohortRow,
  LOOKED_AFTER_GRANTS,
} from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import {
  COHORT_BATCH,
  COHORT_CSV_COLUMNS,
  type CohortItem,
  type CohortReports,
  CohortTally,
  cohortCsvLine,
} from './cohort.js';
import { assertAsOfInCalendars } from './pep-compliance.js';
import { assertMayReadPlans, reportResponses, sendReport } from './stream.js';

const count = (description: string) => Type.Integer({ minimum: 0, maximum: 2147483647, description });
const pence = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${description} In pence.` });
/** A count for each value of a vocabulary of @celr/schema, so the report never restates one. */
const countsOf = (values: readonly string[], what: string, description: string) =>
  Type.Object(Object.fromEntries(values.map((v) => [v, count(`${what} \`${v}\`.`)])), {
    additionalProperties: false,
    description,
  });
const Money = (description: string) =>
  Type.Object(
    {
      allocatedPence: pence('Provision funded by the grant in plans of this school year.'),
      spentPence: pence('The part whose period has ended by `asOf`.'),
    },
    { additionalProperties: false, description },
  );
const PolicyUsed = Type.Object(
  {
    id: Type.String({ maxLength: 100 }),
    version: Type.Integer({ minimum: 1, maximum: 2147483647 }),
    name: Type.String({ maxLength: 200 }),
  },
  { additionalProperties: false },
);
const grants = [...new Set(Object.values(LOOKED_AFTER_GRANTS))];

const CohortReport = Type.Object(
  {
    asOf: Type.String({ format: 'date', maxLength: 10, description: 'The day the report is for.' }),
    groupBy: Type.Optional(
      Type.Enum([...COHORT_GROUPINGS], { type: 'string', description: 'How `groups` is grouped.' }),
    ),
    items: Type.Array(
      Type.Object(
        {
          learnerId: Type.String({ format: 'uuid', maxLength: 36 }),
          name: Type.Object(
            {
              given: Type.String({ maxLength: 200 }),
              family: Type.String({ maxLength: 200 }),
              preferred: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false, description: "The child's name." },
          ),
          school: Type.Optional(
            Type.Object(
              { id: Type.String({ format: 'uuid', maxLength: 36 }), name: Type.String({ maxLength: 200 }) },
              { additionalProperties: false, description: 'The school the child is on roll at, in CELR.' },
            ),
          ),
          row: Type.Unsafe<object>({ $ref: 'CohortRow#' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000000, description: 'One item per child, by learner id.' },
    ),
    policies: Type.Object(
      { england: Type.Optional(PolicyUsed), scotland: Type.Optional(PolicyUsed) },
      {
        additionalProperties: false,
        description: "The PEP policy each jurisdiction's plans were rated under.",
      },
    ),
    summary: Type.Object(
      {
        children: count('Children in the report.'),
        phases: countsOf(COHORT_PHASES, 'Children in phase', 'Children by phase.'),
        attendanceBands: countsOf(ATTENDANCE_BAND_CODES, 'Children in band', 'Children by attendance band.'),
        persistentAbsence: count(
          'Children who missed 10 % or more of their possible sessions this school year.',
        ),
        ratings: Type.Record(Type.String({ maxLength: 50 }), count('Children with this rating.'), {
          description: "Children by their plan's rating, `unrated` or `no-plan`.",
        }),
        overdue: count('Children with a PEP deadline overdue.'),
        outOfAuthority: count('Children at school or placed out of authority.'),
        suspensionsThisTerm: count('Suspensions this term, all children.'),
        exclusionsThisTerm: count('Exclusions this term, all children.'),
        suspensionsThisYear: count('Suspensions this school year, all children.'),
        exclusionsThisYear: count('Exclusions this school year, all children.'),
        movedSchool: count('Children with an in-year school move in the last 12 months.'),
        movedPlacement: count('Children with a placement move in the last 12 months.'),
        identifiers: countsOf(
          COHORT_IDENTIFIERS,
          'Children with a',
          'Children with each national identifier.',
        ),
        funding: Type.Object(
          Object.fromEntries(grants.map((g) => [g, Money(`Provision funded by \`${g}\`.`)])),
          {
            additionalProperties: false,
            description:
              'Provision funded by each nation’s grant for looked-after learners (Pupil Premium Plus in England).',
          },
        ),
      },
      { additionalProperties: false },
    ),
    groups: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ maxLength: 100, description: 'The value grouped on (`none` when absent).' }),
            label: Type.String({ maxLength: 200, description: 'The key for people (a school by its name).' }),
            children: count('Children in the group.'),
            persistentAbsence: count('Of them, persistently absent.'),
            overdue: count('Of them, with a PEP deadline overdue.'),
            outOfAuthority: count('Of them, out of authority.'),
            allocatedPence: pence('Grant-funded provision allocated.'),
            spentPence: pence('Grant-funded provision spent.'),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000000, description: 'With `groupBy`: the summary of each group.' },
      ),
    ),
  },
  {
    $id: 'CohortReport',
    title: 'CohortReport',
    description: 'The children an organisation can see, as a virtual school sees its cohort on a date.',
  },
);

/** `GET /v1/reports/cohort`, registered beside the other reports. */
export function registerCohortReportRoute(root: FastifyInstance, reports: CohortReports) {
  root.addSchema({ $id: 'CohortRow', ...CohortRow });
  root.addSchema(CohortReport);
  root.register(async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/reports/cohort',
      {
        schema: {
          operationId: 'getCohortReport',
          summary: 'Your cohort of children on a date',
          description: `For every child your organisation can see (a responsible authority its children, a school its pupils, a vendor those of the organisation it acts for; anyone else an empty report), one row: year group or stage and phase (the enrolment's, else from the date of birth), school and setting, whether school or placement is out of the responsible authority, the plan in force and its rating (as the PEP compliance report finds them), attendance this school year with its band (missing 10 % or more of possible sessions is persistent absence, 50 % or more severe), suspensions and exclusions this term and school year, in-year school and placement moves in the last 12 months, UPN/ULN/SCN coverage, and Pupil Premium Plus (Scotland: the Care Experienced Children and Young People Fund) allocated and spent from plan provision. With a summary of the whole (filtered) cohort and, with \`groupBy\`, one per group. The answer is streamed as children are read, ${COHORT_BATCH} at a time, so the summary and groups come after \`items\`. JSON by default; with \`Accept: text/csv\`, one CSV row per child. Each read names the children it showed in the audit trail.`,
          tags: ['Reports'],
          querystring: Type.Object(
            {
              asOf: Type.Optional(
                Type.String({
                  format: 'date',
                  maxLength: 10,
                  description: 'The day to report on (YYYY-MM-DD). Default: today (UTC).',
                }),
              ),
              school: Type.Optional(
                Type.String({
                  format: 'uuid',
                  maxLength: 36,
                  description: 'Only the pupils on roll at this school (its organisation id).',
                }),
              ),
              yearGroup: Type.Optional(
                Type.String({
                  pattern: '^[A-Z0-9]{1,3}$',
                  maxLength: 3,
                  description:
                    'Only this year group (England, e.g. `7`, `R`) or stage (Scotland, e.g. `S4`).',
                }),
              ),
              rating: Type.Optional(
                Type.String({
                  pattern: '^[a-z0-9-]{1,50}$',
                  maxLength: 50,
                  description:
                    'Only children whose plan has this rating (e.g. `red`), or `unrated`, or `no-plan`.',
                }),
              ),
              overdue: Type.Optional(
                Type.Boolean({
                  description: 'Only children with (true) or without (false) a PEP deadline overdue.',
                }),
              ),
              outOfAuthority: Type.Optional(
                Type.Boolean({
                  description:
                    'Only children at school or placed out of authority (true), or neither (false).',
                }),
              ),
              groupBy: Type.Optional(
                Type.Enum([...COHORT_GROUPINGS], {
                  type: 'string',
                  description: 'Add `groups`, a summary per group.',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: reportResponses('CohortReport', COHORT_CSV_COLUMNS),
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        assertMayReadPlans(caller, 'cohort report');
        const { query } = request;
        const asOf = query.asOf ?? new Date().toISOString().slice(0, 10);
        assertAsOfInCalendars(asOf);
        return sendReport(reply, request.headers.accept, reports.batches(caller, { ...query, asOf }), {
          filename: `cohort-${asOf}.csv`,
          csv,
          json: (all) => json(all, asOf, query.groupBy),
        });
      },
    );
  });
}

async function* csv(batches: AsyncIterable<CohortItem[]>): AsyncGenerator<string> {
  yield `${COHORT_CSV_COLUMNS.join(',')}\r\n`;
  for await (const batch of batches) yield batch.map(cohortCsvLine).join('');
}

/** The report as JSON text, `items` first as they are read, then what is added up over them. */
async function* json(
  batches: AsyncIterable<CohortItem[]>,
  asOf: string,
  groupBy: CohortGrouping | undefined,
): AsyncGenerator<string> {
  const tally = new CohortTally(groupBy);
  yield `{"asOf":${JSON.stringify(asOf)},${groupBy ? `"groupBy":${JSON.stringify(groupBy)},` : ''}"items":[`;
  let first = true;
  for await (const batch of batches) {
    const parts: string[] = [];
    for (const item of batch) {
      tally.add(item);
      parts.push(JSON.stringify(item));
    }
    // A batch whose children the filters all left out adds nothing (not a stray comma).
    if (!parts.length) continue;
    yield (first ? '' : ',') + parts.join(',');
    first = false;
  }
  yield `],"policies":${JSON.stringify(tally.policies)},"summary":${JSON.stringify(tally.summary)}`;
  yield groupBy ? `,"groups":${JSON.stringify(tally.groups())}}` : '}';
}
