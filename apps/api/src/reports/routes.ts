import { COMPLIANCE_OUTCOMES, DEADLINE_STATUSES, JURISDICTIONS, PepComplianceResult } from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import {
  type PolicyUsed as AppliedPolicy,
  CSV_COLUMNS,
  csvItemLines,
  type DeadlineStatus,
  type PepComplianceItem,
  type PepComplianceReports,
  PepComplianceTally,
} from './pep-compliance.js';
import { assertMayReadPlans, reportResponses, sendReport } from './stream.js';

const count = (description: string) => Type.Integer({ minimum: 0, maximum: 2147483647, description });
/** A count for each value of a vocabulary of @celr/schema, so the report never restates one. */
const countsOf = <V extends string>(values: readonly V[], what: string) =>
  Object.fromEntries(values.map((v) => [v, count(`${what} \`${v}\`.`)])) as Record<
    V,
    ReturnType<typeof count>
  >;
const PolicyUsed = Type.Object(
  {
    id: Type.String({ maxLength: 100, description: "The policy's id." }),
    version: Type.Integer({ minimum: 1, maximum: 2147483647, description: "The policy's version." }),
    name: Type.String({ maxLength: 200, description: 'The policy as people call it.' }),
    jurisdiction: Type.Enum(JURISDICTIONS, { type: 'string', description: 'The children it applied to.' }),
    stored: Type.Boolean({
      description:
        "The authority's own stored policy (`getCompliancePolicy`); false: the jurisdiction's default.",
    }),
    authority: Type.Optional(
      Type.Object(
        {
          id: Type.String({ format: 'uuid', maxLength: 36 }),
          name: Type.String({ maxLength: 2000 }),
        },
        {
          additionalProperties: false,
          description: 'The responsible authority whose stored policy or term dates were used.',
        },
      ),
    ),
    termDates: Type.Optional(
      Type.Object(
        {
          version: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The stored version.' }),
          name: Type.String({ maxLength: 200, description: 'What the term dates are.' }),
        },
        {
          additionalProperties: false,
          description: "The authority's term dates used to count school days and terms (`getTermDates`).",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const PepComplianceReport = Type.Object(
  {
    asOf: Type.String({ format: 'date', maxLength: 10, description: 'The day the report is for.' }),
    policies: Type.Array(PolicyUsed, {
      maxItems: 100000,
      description:
        "Each policy applied, once for each responsible authority whose stored policy or term dates were used (a school's pupils may have several).",
    }),
    summary: Type.Object(
      {
        children: count('Children in the report.'),
        outcomes: Type.Object(countsOf(COMPLIANCE_OUTCOMES, 'Children whose outcome is'), {
          additionalProperties: false,
          description: 'Children by outcome.',
        }),
        deadlines: Type.Object(countsOf(DEADLINE_STATUSES, 'Deadline occurrences'), {
          additionalProperties: false,
          description: 'Deadline occurrences by status (only `status`, when it filters).',
        }),
      },
      { additionalProperties: false },
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
              {
                id: Type.String({ format: 'uuid', maxLength: 36 }),
                name: Type.String({ maxLength: 200 }),
              },
              { additionalProperties: false, description: 'The school the child is on roll at.' },
            ),
          ),
          result: Type.Unsafe<object>({ $ref: 'PepComplianceResult#' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000000 },
    ),
  },
  {
    $id: 'PepComplianceReport',
    title: 'PepComplianceReport',
    description: 'PEP compliance of the children an organisation can see, on a date.',
  },
);

export function registerReportRoutes(root: FastifyInstance, reports: PepComplianceReports) {
  root.addSchema({ $id: 'PepComplianceResult', ...PepComplianceResult });
  root.addSchema(PepComplianceReport);
  root.register(async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/reports/pep-compliance',
      {
        schema: {
          operationId: 'getPepComplianceReport',
          summary: 'PEP compliance of your children on a date',
          description:
            "For every child your organisation can see (a responsible authority its children, a school its pupils, a vendor those of the organisation it acts for; anyone else an empty report): the PEP deadlines (started within 10 working days of entering care, ready for the first review, reviewed termly and after a school move in England; Scotland's review timescales), each met, late, due or overdue on `asOf` with days late and the record that decided it, the current plan's quality rating against the rubric and the last review. Each child is assessed under their responsible authority's stored policy (`replaceCompliancePolicy`), else the default policy of their jurisdiction, with school days and terms counted over that authority's stored term dates (`replaceTermDates`); `policies` names each policy and term dates version used. Without term dates, deadlines counted in school days or terms are listed under `notAssessed` (`no-term-dates`). JSON by default; with `Accept: text/csv`, one CSV row per child and deadline (a child with none has one row), streamed. Each read names the children it showed in the audit trail.",
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
              status: Type.Optional(
                Type.Enum([...DEADLINE_STATUSES], {
                  type: 'string',
                  description:
                    'Only children with a deadline in this status; the summary and CSV count those deadlines only.',
                }),
              ),
              learner: Type.Optional(
                Type.String({ format: 'uuid', maxLength: 36, description: 'Only this learner.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: reportResponses('PepComplianceReport', CSV_COLUMNS),
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        assertMayReadPlans(caller, 'PEP compliance report');
        const { query } = request;
        const asOf = query.asOf ?? new Date().toISOString().slice(0, 10);
        return sendReport(reply, request.headers.accept, reports.batches(caller, { ...query, asOf }), {
          filename: `pep-compliance-${asOf}.csv`,
          csv: (all) => csv(all, query.status),
          json: (all) => json(all, asOf, query.status),
        });
      },
    );
  });
}

type Batches = AsyncIterable<{ items: PepComplianceItem[]; policies: AppliedPolicy[] }>;

async function* csv(batches: Batches, status?: DeadlineStatus): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const batch of batches) {
    const lines: string[] = [];
    for (const item of batch.items) for (const line of csvItemLines(item, status)) lines.push(line);
    yield lines.join('');
  }
}

/** The report as JSON text: `items` as they are assessed, then the policies and counts over them. */
async function* json(batches: Batches, asOf: string, status?: DeadlineStatus): AsyncGenerator<string> {
  const tally = new PepComplianceTally(status);
  yield `{"asOf":${JSON.stringify(asOf)},"items":[`;
  let first = true;
  for await (const batch of batches) {
    const parts: string[] = [];
    for (const item of batch.items) {
      tally.add(item);
      parts.push(JSON.stringify(item));
    }
    for (const used of batch.policies) tally.use(used);
    if (parts.length) {
      yield (first ? '' : ',') + parts.join(',');
      first = false;
    }
  }
  yield `],"policies":${JSON.stringify(tally.policies)},"summary":${JSON.stringify(tally.summary)}}`;
}
