import { type RecordKind, invalidExamples, validExamples, validate } from '@celr/schema';
import { PROBLEM_TYPES, type ProblemType, problemTypeUri } from './problem.js';

type Json = Record<string, any>; // biome-ignore lint/suspicious/noExplicitAny: walking a JSON document

const COMPONENT = '#/components/schemas/';
const KINDS: Record<string, RecordKind> = { Learner: 'learner', Plan: 'plan', Meeting: 'meeting', Transition: 'transition' };
const STATUS_PROBLEM: Record<string, ProblemType> = {
  '400': 'invalid-query',
  '401': 'unauthorised',
  '403': 'forbidden',
  '404': 'not-found',
  '409': 'conflict',
  '410': 'gone',
  '412': 'precondition-failed',
  '413': 'payload-too-large',
  '415': 'unsupported-media-type',
  '428': 'precondition-required',
  '429': 'rate-limited',
};

const PATCH_EXAMPLES: Record<RecordKind, Json> = {
  learner: {
    preferredName: { summary: 'Change one member', value: { name: { given: 'Amara', family: 'Okafor-Lees', preferred: 'Mara' } } },
    removeHost: { summary: 'Remove a member with null', value: { hostAuthority: null } },
  },
  plan: { complete: { summary: 'Complete the plan', value: { status: 'completed', reviewDue: null } } },
  meeting: { held: { summary: 'Record that the meeting was held', value: { status: 'held', summary: 'Targets reviewed; tuition continues.' } } },
  transition: { completed: { summary: 'Record the move', value: { status: 'completed', actualDate: '2025-09-04' } } },
};

const EXAMPLE_ID = '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10';
const EXAMPLE_ORG = '5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33';

function asRecord(value: object, id = EXAMPLE_ID) {
  return {
    id,
    meta: { version: 1, createdAt: '2025-09-30T09:12:44.120Z', updatedAt: '2025-09-30T09:12:44.120Z', recordedBy: { organisationId: EXAMPLE_ORG } },
    ...value,
  };
}

const examplesOf = (kind: RecordKind, shape: 'input' | 'record') =>
  Object.fromEntries(
    validExamples
      .filter((e) => e.kind === kind)
      .map((e) => [e.name, { summary: e.summary, value: shape === 'input' ? e.value : asRecord(e.value, kind === 'learner' ? EXAMPLE_ID : '7d2e4f10-8a3b-4c5d-9e6f-0a1b2c3d4e5f') }]),
  );

function validationProblemExample(kind: RecordKind, instance: string) {
  const example = invalidExamples.find((e) => e.kind === kind) ?? invalidExamples[0]!;
  const result = validate(example.kind, JSON.parse(JSON.stringify(example.value)), { today: '2026-01-01' });
  return {
    summary: example.summary,
    value: {
      type: problemTypeUri('validation'),
      title: PROBLEM_TYPES.validation.title,
      status: 422,
      detail: `${result.issues.length} field${result.issues.length === 1 ? ' is' : 's are'} not valid.`,
      instance,
      requestId: '3f0c6a52-2d7e-4f5b-9a1c-8e4d2b6f0a97',
      errors: result.issues,
    },
  };
}

const problemExample = (type: ProblemType, instance: string) => ({
  type: problemTypeUri(type),
  title: PROBLEM_TYPES[type].title,
  status: PROBLEM_TYPES[type].status,
  detail: PROBLEM_TYPES[type].title,
  instance,
  requestId: '3f0c6a52-2d7e-4f5b-9a1c-8e4d2b6f0a97',
});

const refName = (schema: Json | undefined) =>
  typeof schema?.$ref === 'string' && schema.$ref.startsWith(COMPONENT) ? schema.$ref.slice(COMPONENT.length) : undefined;

/**
 * Finishes the document @fastify/swagger emits: discriminator mappings become component
 * references, and every operation gets examples from @celr/schema's example records, including
 * the validation problem an invalid example really produces.
 */
export function finishOpenApiDocument(document: Json): Json {
  for (const schema of Object.values<Json>(document.components?.schemas ?? {})) {
    const mapping = schema.discriminator?.mapping as Record<string, string> | undefined;
    if (mapping) for (const [k, v] of Object.entries(mapping)) mapping[k] = `${COMPONENT}${v.replace(/#$/, '')}`;
  }
  for (const [path, operations] of Object.entries<Json>(document.paths ?? {})) {
    const instance = path.replace(/\{id\}/g, EXAMPLE_ID);
    for (const operation of Object.values<Json>(operations)) {
      for (const media of Object.values<Json>(operation.requestBody?.content ?? {})) {
        const name = refName(media.schema);
        const kind = name?.endsWith('Input') ? KINDS[name.slice(0, -5)] : undefined;
        if (kind) media.examples = examplesOf(kind, 'input');
        const patched = name?.endsWith('Patch') ? KINDS[name.slice(0, -5)] : undefined;
        if (patched) media.examples = PATCH_EXAMPLES[patched];
      }
      for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
        for (const media of Object.values<Json>(response.content ?? {})) {
          const name = refName(media.schema);
          if (name && KINDS[name]) media.examples = examplesOf(KINDS[name]!, 'record');
          const itemName = refName(media.schema?.properties?.items?.items);
          if (itemName && KINDS[itemName]) {
            media.example = { items: Object.values(examplesOf(KINDS[itemName]!, 'record')).map((e) => e.value) };
          }
          if (name === 'Problem') {
            const kind = Object.entries(KINDS).find(([, k]) => path.includes(`/${k}s`))?.[1] ?? 'learner';
            if (status === '422') media.examples = { validation: validationProblemExample(kind, instance) };
            else if (STATUS_PROBLEM[status]) media.example = problemExample(STATUS_PROBLEM[status]!, instance);
          }
        }
      }
    }
  }
  return document;
}
