/** The record reference (site/reference/records) and the code lists (site/reference/code-lists). */
import {
  type CodeList,
  type CodeListId,
  codeLists,
  RECORD_KINDS,
  type RecordKind,
  records,
  validExamples,
} from '@celr/schema';
import {
  codeListUsage,
  type Field,
  type FieldVariant,
  JURISDICTIONS,
  type Jurisdiction,
  recordFields,
  serverFields,
  valuesAt,
} from './fields.js';
import { cell, code, exampleCell, table, text, vPre } from './markdown.js';
import { GENERATED_HEADER } from './paths.js';

export type Pages = Map<string, string>;

const NATION: Record<Jurisdiction | 'all', string> = {
  england: 'England',
  scotland: 'Scotland',
  all: 'Both',
};
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export const recordTitle = (kind: RecordKind) => cap(kind);

/** Operations that read or write each kind, for the "In the API" line of a record page. */
const API_OPERATIONS: Record<RecordKind, string[]> = {
  learner: [
    'createLearner',
    'listLearners',
    'getLearner',
    'replaceLearner',
    'patchLearner',
    'upsertLearnerByIdentifier',
  ],
  plan: ['createPlan', 'listPlans', 'getPlan', 'replacePlan', 'patchPlan', 'listLearnerPlans'],
  meeting: [
    'createMeeting',
    'listMeetings',
    'getMeeting',
    'replaceMeeting',
    'patchMeeting',
    'listLearnerMeetings',
  ],
  transition: [
    'createTransition',
    'listTransitions',
    'getTransition',
    'replaceTransition',
    'patchTransition',
    'listLearnerTransitions',
  ],
};

function frontmatter(fields: Record<string, string | number | boolean | (string | number)[]>) {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `---\n${lines.join('\n')}\n---\n${GENERATED_HEADER}\n`;
}

function typeCell(variant: FieldVariant, linkPrefix: string): string {
  if (variant.codeList) {
    const list = codeLists[variant.codeList];
    return `${variant.type}: [${variant.codeList}](${linkPrefix}${variant.codeList} "${list.title.replace(/"/g, "'")}")`;
  }
  if (variant.values) return `${variant.type} ${variant.values.map(code).join(', ')}`;
  return variant.type;
}

/**
 * One cell for both nations: the same text once, or each nation's text on its own line ("England
 * only" when the field exists in one nation). A nation with nothing to show (no example) is left out.
 */
function perJurisdiction(field: Field, render: (v: FieldVariant) => string): string {
  const rendered = JURISDICTIONS.map((j) => (field.variants[j] ? render(field.variants[j]) : undefined));
  const [england, scotland] = rendered;
  if (england !== undefined && england === scotland) return england;
  return JURISDICTIONS.flatMap((j, i) =>
    rendered[i] === undefined || rendered[i] === ''
      ? []
      : [`${NATION[j]}${field.variants[JURISDICTIONS[1 - i]!] ? '' : ' only'}: ${rendered[i]}`],
  ).join('<br>');
}

function fieldRows(fields: Field[], linkPrefix: string): string[][] {
  return fields.map((f) => [
    code(f.path),
    perJurisdiction(f, (v) => cell(typeCell(v, linkPrefix))),
    f.required ? 'yes' : 'no',
    perJurisdiction(f, (v) => cell(v.description)),
    perJurisdiction(f, (v) => (v.hasExample ? cell(exampleCell(v.example)) : '')),
  ]);
}

function recordPage(kind: RecordKind, returned: Partial<Record<Jurisdiction, unknown>>): string {
  const def = records[kind];
  const fields = recordFields(kind);
  const examples = validExamples.filter((e) => e.kind === kind);
  const operations = API_OPERATIONS[kind].map((id) => `[${code(id)}](../api/${id})`).join(', ');
  return [
    frontmatter({ title: `${recordTitle(kind)} record`, aside: false, pageClass: 'celr-wide' }),
    `# ${recordTitle(kind)}`,
    '',
    text(def.description),
    '',
    `A ${kind} has ${fields.length} fields that a client writes (counting the fields inside objects and lists), and the fields the API adds. The ${code('jurisdiction')} field selects the nation's schema: the fields are the same in England and Scotland, but coded fields take their values from each nation's own code lists, so those rows show both.`,
    '',
    `- In the API: ${operations}.`,
    `- As JSON Schema: ${code(`${kind}-input.schema.json`)} (what a client sends), ${code(`${kind}-input-england.schema.json`)} and ${code(`${kind}-input-scotland.schema.json`)} (one nation), ${code(`${kind}.schema.json`)} (what the API returns) and ${code(`${kind}-patch.schema.json`)} (a JSON merge patch), in ${code('@celr/schema/json-schema/')}. See [Validate files offline](../../guides/validate-offline).`,
    '- In TypeScript: ' +
      `${code(`records.${kind}.input.england`)}, ${code(`records.${kind}.input.scotland`)} and the types ${code(`${def.name}Input`)} and ${code(def.name)} from ${code('@celr/schema')}.`,
    '',
    '## Fields {#fields}',
    '',
    `A path like ${code('careStatus.legalStatus')} is a field inside an object; ${code('[]')} marks the items of a list, as in ${code('attendance[].period.start')}. **Required** is within the object that holds the field: a required field inside an optional object is required only when that object is there. The examples come from the fictional example records in ${code('@celr/schema')} (${examples.map((e) => `${NATION[e.name as Jurisdiction]}: ${text(lowerFirst(e.summary))}`).join('; ')}).`,
    '',
    vPre(table(['Field', 'Type', 'Required', 'Description', 'Example'], fieldRows(fields, '../code-lists/'))),
    '',
    '## Added by the API {#server-fields}',
    '',
    `The API adds these to every ${kind} it returns (the examples are from the API reference's example responses). A client never sends them: they are set by the server, and ${code('meta.version')} is the version that the ${code('ETag')} header and ${code('If-Match')} refer to (see [Versions and history](../../concepts/versions)).`,
    '',
    vPre(
      table(
        ['Field', 'Type', 'Required', 'Description', 'Example'],
        fieldRows(withExamples(serverFields(kind), returned), '../code-lists/'),
      ),
    ),
    '',
    '## Examples {#examples}',
    '',
    ...examples.flatMap((e) => [
      `### ${NATION[e.name as Jurisdiction]}: ${text(lowerFirst(e.summary))} {#example-${e.name}}`,
      '',
      '```json',
      JSON.stringify(e.value, null, 2),
      '```',
      '',
    ]),
  ].join('\n');
}

function recordIndex(): string {
  const rows = RECORD_KINDS.map((kind) => [
    `[${recordTitle(kind)}](./${kind})`,
    cell(records[kind].description),
    String(recordFields(kind).length),
  ]);
  return [
    frontmatter({ title: 'Records' }),
    '# Records',
    '',
    `Every record CELR exchanges, field by field, printed from the schemas in ${code('@celr/schema')} (the single definition the API, the SDK and the JSON Schema files are made from). Each record also has a server-assigned ${code('id')}, a ${code('meta')} block with its version and timestamps, and a ${code('jurisdiction')}: ${code('england')} or ${code('scotland')}.`,
    '',
    table(['Record', 'What it is', 'Fields'], rows),
    '',
    'Coded fields take their values from the [code lists](../code-lists/).',
    '',
  ].join('\n');
}

function sourceLine(list: CodeList): string {
  const s = list.source;
  return `[${text(s.title)}](${s.url}), ${text(s.publisher)}, edition ${text(s.edition)}`;
}

function codeListPage(id: CodeListId, usage: ReturnType<typeof codeListUsage>): string {
  const list = codeLists[id] as CodeList;
  const uses = usage.get(id) ?? [];
  const hasDescriptions = list.codes.some((c) => c.description);
  const hasRetired = list.codes.some((c) => c.retired);
  const headers = [
    'Code',
    'Label',
    'Jurisdiction',
    ...(hasDescriptions ? ['Description'] : []),
    ...(hasRetired ? ['Retired'] : []),
  ];
  const rows = list.codes.map((c) => [
    code(c.code),
    cell(c.label),
    NATION[c.jurisdiction],
    ...(hasDescriptions ? [cell(c.description ?? '')] : []),
    ...(hasRetired ? [c.retired ? 'retired: kept so older records still import' : ''] : []),
  ]);
  const usedBy = [...new Map(uses.map((u) => [`${u.kind}:${u.path}`, u])).values()].map(
    (u) =>
      `[${code(`${u.kind}.${u.path}`)}](../records/${u.kind}#fields)${uses.filter((x) => x.kind === u.kind && x.path === u.path).length < 2 ? ` (${NATION[u.jurisdiction]})` : ''}`,
  );
  return [
    frontmatter({ title: list.title, aside: false, pageClass: 'celr-wide' }),
    `# ${text(list.title)}`,
    '',
    text(list.description),
    '',
    table(
      ['', ''],
      [
        ['List id', code(list.id)],
        ['Jurisdiction', NATION[list.jurisdiction]],
        ['Source', cell(sourceLine(list))],
        ['Codes', String(list.codes.length)],
        ['Used by', usedBy.length ? usedBy.join(', ') : 'no record field yet'],
        ['As JSON', code(`@celr/schema/code-lists/${list.id}.json`)],
      ],
    ),
    '',
    '## Codes {#codes}',
    '',
    vPre(table(headers, rows)),
    '',
  ].join('\n');
}

function codeListIndex(): string {
  const groups: { title: string; anchor: string; jurisdiction: Jurisdiction | 'all' }[] = [
    { title: 'England', anchor: 'england', jurisdiction: 'england' },
    { title: 'Scotland', anchor: 'scotland', jurisdiction: 'scotland' },
    { title: 'England and Scotland', anchor: 'both', jurisdiction: 'all' },
  ];
  const lists = Object.values(codeLists) as CodeList[];
  return [
    frontmatter({ title: 'Code lists' }),
    '# Code lists',
    '',
    `A coded field holds a code from a list (a "descriptor"): a code, a label and the jurisdiction it applies to, taken from a published source that each list names with its edition. Lists differ by nation: a learner in England has an SSDA903 legal status, a learner in Scotland a CLAS legal reason. The lists are data in ${code('@celr/schema')} (${code('codeLists')}, ${code('findDescriptor')}) and JSON files in ${code('@celr/schema/code-lists/')}.`,
    '',
    ...groups.flatMap((g) => [
      `## ${g.title} {#${g.anchor}}`,
      '',
      table(
        ['List', 'Codes', 'Source'],
        lists
          .filter((l) => l.jurisdiction === g.jurisdiction)
          .map((l) => [`[${text(l.title)}](./${l.id})`, String(l.codes.length), cell(sourceLine(l))]),
      ),
      '',
    ]),
  ].join('\n');
}

/** The server-set fields, with their values in a record as the API returns it. */
function withExamples(fields: Field[], returned: Partial<Record<Jurisdiction, unknown>>): Field[] {
  return fields.map((f) => ({
    ...f,
    variants: Object.fromEntries(
      Object.entries(f.variants).map(([j, v]) => {
        const found = valuesAt(returned[j as Jurisdiction], f.path.split('.'));
        return [j, { ...v, ...(found.length ? { hasExample: true, example: found[0] } : {}) }];
      }),
    ),
  }));
}

/**
 * The examples of `get<Kind>`'s 200 response in the OpenAPI document, by jurisdiction: the example
 * records as the API returns them, with `id` and `meta`.
 */
function returnedExamples(
  // biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
  doc: Record<string, any>,
  kind: RecordKind,
): Partial<Record<Jurisdiction, unknown>> {
  const path = `/v1/${kind}s/{id}`;
  const media = doc.paths?.[path]?.get?.responses?.['200']?.content?.['application/json'];
  const examples = (media?.examples ?? {}) as Record<string, { value?: unknown }>;
  return Object.fromEntries(Object.entries(examples).map(([name, e]) => [name, e.value]));
}

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked generically
export function recordPages(doc: Record<string, any>): Pages {
  const pages: Pages = new Map();
  pages.set('reference/records/index.md', recordIndex());
  for (const kind of RECORD_KINDS) {
    pages.set(`reference/records/${kind}.md`, recordPage(kind, returnedExamples(doc, kind)));
  }
  const usage = codeListUsage();
  pages.set('reference/code-lists/index.md', codeListIndex());
  for (const id of Object.keys(codeLists) as CodeListId[]) {
    pages.set(`reference/code-lists/${id}.md`, codeListPage(id, usage));
  }
  return pages;
}

export function recordSidebar() {
  return {
    records: RECORD_KINDS.map((kind) => ({ text: recordTitle(kind), link: `/reference/records/${kind}` })),
    codeLists: (Object.values(codeLists) as CodeList[]).map((l) => ({
      text: l.title,
      link: `/reference/code-lists/${l.id}`,
    })),
  };
}
