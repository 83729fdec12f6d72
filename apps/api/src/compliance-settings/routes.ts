import { CompliancePolicy, defaultCompliancePolicies, type Jurisdiction, TermDates } from '@celr/schema';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { callerOf } from '../auth/authenticate.js';
import { etagOf, requiredIfMatch } from '../http/etag.js';
import { notFound } from '../http/problem.js';
import { problemResponses } from '../http/problem-responses.js';
import { bodyRef, ref } from '../http/schema-ref.js';
import {
  type ComplianceSettings,
  MAX_LISTED_VERSIONS,
  type SettingKind,
  type StoredSetting,
} from './service.js';

const tags = ['Compliance settings'];
const Params = Type.Object(
  {
    organisationId: Type.String({
      format: 'uuid',
      maxLength: 36,
      description: "The authority's organisation id.",
    }),
  },
  { additionalProperties: false },
);
const Authority = Type.Object(
  {
    id: Type.String({ format: 'uuid', maxLength: 36 }),
    name: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: false, description: 'The authority the setting belongs to.' },
);
const version = Type.Integer({
  minimum: 1,
  maximum: 2147483647,
  description: 'The stored version: 1 for the first, one more with each change.',
});
const changedAt = Type.String({
  format: 'date-time',
  maxLength: 35,
  description: 'When this version was stored.',
});
const ifMatchHeader = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      maxLength: 200,
      description:
        'The ETag you read (`"v3"`): the change is refused (412) if another was stored since. `*`: only if one is stored. Without it the change is made whatever is stored.',
    }),
  ),
});

const PolicySetting = Type.Object(
  {
    authority: Authority,
    stored: Type.Boolean({
      description:
        "Whether this is the authority's own stored policy; false: its jurisdiction's default applies.",
    }),
    version: Type.Union([version, Type.Null()], { description: 'The stored version; null for the default.' }),
    changedAt: Type.Union([changedAt, Type.Null()]),
    policy: Type.Unsafe<object>(ref('CompliancePolicy')),
  },
  { additionalProperties: false, $id: 'CompliancePolicySetting', title: 'CompliancePolicySetting' },
);
const TermDatesSetting = Type.Object(
  { authority: Authority, version, changedAt, termDates: Type.Unsafe<object>(ref('TermDates')) },
  { additionalProperties: false, $id: 'TermDatesSetting', title: 'TermDatesSetting' },
);

interface Spec {
  kind: SettingKind;
  path: string;
  Name: string;
  member: 'policy' | 'termDates';
  schema: string;
  what: string;
}
const SPECS: Spec[] = [
  {
    kind: 'compliance-policy',
    path: 'compliance-policy',
    Name: 'CompliancePolicy',
    member: 'policy',
    schema: 'CompliancePolicySetting',
    what: 'PEP compliance policy',
  },
  {
    kind: 'term-dates',
    path: 'term-dates',
    Name: 'TermDates',
    member: 'termDates',
    schema: 'TermDatesSetting',
    what: 'term dates',
  },
];

/**
 * An authority's PEP compliance policy and term dates: read, replace (each change a new version,
 * the old ones kept) and list versions. Access and rules are the service's.
 */
export function registerComplianceSettingsRoutes(root: FastifyInstance, settings: ComplianceSettings) {
  root.addSchema({ $id: 'CompliancePolicy', ...CompliancePolicy });
  root.addSchema({ $id: 'TermDates', ...TermDates });
  root.addSchema(PolicySetting);
  root.addSchema(TermDatesSetting);
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  for (const spec of SPECS) {
    const url = `/v1/authorities/:organisationId/${spec.path}`;
    const body = (authority: { id: string; name: string }, s: StoredSetting) => ({
      authority,
      ...(spec.kind === 'compliance-policy' ? { stored: true } : {}),
      version: s.version,
      changedAt: s.changedAt,
      [spec.member]: s.document,
    });

    app.get(
      url,
      {
        schema: {
          operationId: `get${spec.Name}`,
          summary: `An authority's ${spec.what}`,
          description:
            spec.kind === 'compliance-policy'
              ? "The latest stored version of the authority's PEP compliance policy, with its ETag; without one, the default of the authority's jurisdiction (`stored: false`, no ETag), which is what the PEP compliance report applies."
              : "The latest stored version of the authority's term dates, with its ETag; 404 when none are stored (the PEP compliance report then cannot count school days or terms).",
          tags,
          params: Params,
          response: { 200: ref(spec.schema), ...problemResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const authority = await settings.authorityFor(caller, request.params.organisationId);
        const current = await settings.current(authority.id, spec.kind);
        const { jurisdiction, ...named } = authority;
        if (current) {
          reply.header('etag', etagOf(current.version));
          return body(named, current);
        }
        if (spec.kind === 'term-dates' || !jurisdiction) throw notFound(`The authority's ${spec.what}`);
        return {
          authority: named,
          stored: false,
          version: null,
          changedAt: null,
          policy: defaultCompliancePolicies[jurisdiction as Jurisdiction],
        };
      },
    );

    app.put(
      url,
      {
        schema: {
          operationId: `replace${spec.Name}`,
          summary: `Replace an authority's ${spec.what}`,
          description: `Stores a new version of the authority's ${spec.what}; earlier versions are kept (\`list${spec.Name}Versions\`) and the change is audited. The body is checked by @celr/schema's validator (${
            spec.kind === 'compliance-policy'
              ? "`validateCompliancePolicy`; its `jurisdiction` must be the authority's and its `id` not a default policy's; its `version` is set to the stored version"
              : '`validateTermDates`: terms in date order, not overlapping, breaks inside their term'
          }); every fault is listed with its pointer and rule (422). The PEP compliance report uses the new version from the next read.`,
          tags,
          params: Params,
          headers: ifMatchHeader,
          body: bodyRef(spec.Name),
          response: {
            200: ref(spec.schema),
            ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const authority = await settings.authorityFor(caller, request.params.organisationId);
        const ifMatch = requiredIfMatch(request.headers['if-match'], false);
        const stored = await settings.replace({ caller }, authority.id, spec.kind, request.body, ifMatch);
        reply.header('etag', etagOf(stored.version));
        return body({ id: authority.id, name: authority.name }, stored);
      },
    );

    app.get(
      `${url}/versions`,
      {
        schema: {
          operationId: `list${spec.Name}Versions`,
          summary: `Every stored version of an authority's ${spec.what}`,
          description: `Newest first (at most ${MAX_LISTED_VERSIONS}), each as it was stored: the report names the version that decided a status.`,
          tags,
          params: Params,
          response: {
            200: Type.Object(
              {
                items: Type.Array(Type.Unsafe<object>(ref(spec.schema)), {
                  maxItems: MAX_LISTED_VERSIONS,
                  description: 'Versions, newest first.',
                }),
              },
              { additionalProperties: false },
            ),
            ...problemResponses(400, 401, 403, 404, 429),
          },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const { jurisdiction: _, ...authority } = await settings.authorityFor(
          caller,
          request.params.organisationId,
        );
        const versions = await settings.versions(authority.id, spec.kind);
        return { items: versions.map((v) => body(authority, v)) };
      },
    );
  }
}
