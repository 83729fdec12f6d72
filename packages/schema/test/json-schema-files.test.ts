/**
 * The JSON Schema files in dist/json-schema are what vendors in other languages validate with, so
 * they are checked here with an independent validator, Ajv (2020-12 dialect, with ajv-formats),
 * against the same examples that hold this package's own validator to account.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeLists, invalidExamples, SCHEMA_VERSION, validExamples } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(packageDir, 'dist', 'json-schema');
const listDir = join(packageDir, 'dist', 'code-lists-json');
const base = `https://schema.celr.dev/${SCHEMA_VERSION}/`;

type Json = Record<string, unknown>;
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Json;
/** Examples as they travel: JSON, so `undefined` members are gone. */
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));

let files: { file: string; schema: Json }[] = [];
let ajv: Ajv2020;

/** An Ajv 2020 instance holding every schema file, by `$id`, as a vendor would load them. */
function ajvWithAllFiles(options: { discriminator: boolean }) {
  const instance = new Ajv2020({ strict: false, allErrors: true, ...options });
  formats.default(instance);
  for (const { schema } of files) instance.addSchema(schema);
  return instance;
}

function validator(file: string) {
  const validate = ajv.getSchema(`${base}${file}`);
  if (!validate) throw new Error(`No schema with $id ${base}${file}`);
  return validate;
}

/** An Ajv error as CELR's `{ pointer, rule }`, so the two validators can be compared. */
function asIssue(error: ErrorObject): { pointer: string; rule: string } {
  const token = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
  switch (error.keyword) {
    case 'required':
      return { pointer: `${error.instancePath}/${token(error.params.missingProperty)}`, rule: 'required' };
    case 'additionalProperties':
      return {
        pointer: `${error.instancePath}/${token(error.params.additionalProperty)}`,
        rule: 'unknown-property',
      };
    default:
      return { pointer: error.instancePath, rule: error.keyword };
  }
}

/** CELR rules that are JSON Schema keywords, as Ajv names them. */
const KEYWORD_OF_RULE: Record<string, string> = {
  required: 'required',
  pattern: 'pattern',
  format: 'format',
  minimum: 'minimum',
  'unknown-property': 'unknown-property', // additionalProperties, by asIssue
  'code-list': 'enum',
};

beforeAll(() => {
  // Emit the files afresh (the build's second step), so the test never reads a stale build.
  execFileSync(process.execPath, ['--import', 'tsx', join('scripts', 'emit-json-schema.ts')], {
    cwd: packageDir,
    stdio: 'pipe',
  });
  files = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.schema.json'))
    .map((file) => ({ file, schema: readJson(join(schemaDir, file)) }));
  ajv = ajvWithAllFiles({ discriminator: false });
}, 60_000);

describe('the JSON Schema files', () => {
  it('are all listed in index.json, one per published schema', () => {
    const index = readJson(join(schemaDir, 'index.json')) as { schemas: { file: string }[] };
    expect(index.schemas.map((s) => s.file).sort()).toEqual(files.map((f) => f.file).sort());
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it('each declare JSON Schema 2020-12 and an $id named after the file', () => {
    for (const { file, schema } of files) {
      expect(schema.$schema, file).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id, file).toBe(`${base}${file}`);
    }
  });

  // About 4 s on an idle machine (32 files, each with every file it refers to, and a `oneOf` per
  // organisation and identifier); the default 5 s limit failed on a busy two-core machine.
  it('each compile in Ajv, with every relative $ref resolved', { timeout: 30_000 }, () => {
    for (const { file } of files) expect(() => validator(file), file).not.toThrow();
  });

  it('describe every property, since the docs are generated from the descriptions', () => {
    const undescribed = files.flatMap(({ file, schema }) => undescribedProperties(schema, file));
    expect(undescribed).toEqual([]);
  });

  // The union files are plain JSON Schema (`oneOf`, no OpenAPI `discriminator`), so Ajv compiles
  // them with any options, strict discriminator support included.
  it('compile in Ajv with `discriminator: true`', () => {
    const strict = ajvWithAllFiles({ discriminator: true });
    expect(strict.getSchema(`${base}learner-input.schema.json`)).toBeTypeOf('function');
  });
});

describe('the examples, checked by Ajv against the JSON Schema files', () => {
  it.each(validExamples.map((e) => [`${e.kind}/${e.name}`, e] as const))(
    'valid %s passes the union and its jurisdiction variant',
    (_, example) => {
      const value = json(example.value);
      for (const file of [
        `${example.kind}-input.schema.json`,
        `${example.kind}-input-${example.value.jurisdiction}.schema.json`,
      ]) {
        const validate = validator(file);
        expect(validate(value), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    },
  );

  const keywordExamples = invalidExamples.filter((e) => e.expected.every((x) => x.rule in KEYWORD_OF_RULE));

  it('include invalid examples for every keyword rule', () => {
    const rules = new Set(keywordExamples.flatMap((e) => e.expected.map((x) => x.rule)));
    expect([...rules].sort()).toEqual(Object.keys(KEYWORD_OF_RULE).sort());
  });

  it.each(keywordExamples.map((e) => [`${e.kind}/${e.name}`, e] as const))(
    'invalid %s fails, with the same field and keyword',
    (_, example) => {
      const value = json(example.value) as Json;
      const files = [`${example.kind}-input.schema.json`];
      if (typeof value.jurisdiction === 'string')
        files.push(`${example.kind}-input-${value.jurisdiction}.schema.json`);
      for (const file of files) {
        const validate = validator(file);
        expect(validate(value), file).toBe(false);
        const found = (validate.errors ?? []).map(asIssue);
        for (const { pointer, rule } of example.expected) {
          expect(found, file).toContainEqual({ pointer, rule: KEYWORD_OF_RULE[rule] });
        }
      }
    },
  );
});

describe('the code list files', () => {
  it('hold every code list exactly as the package defines it', () => {
    const index = readJson(join(listDir, 'index.json')) as { lists: { id: string; file: string }[] };
    expect(index.lists.map((l) => l.id).sort()).toEqual(Object.keys(codeLists).sort());
    for (const { id, file } of index.lists) {
      expect(readJson(join(listDir, file))).toEqual(json(codeLists[id as keyof typeof codeLists]));
    }
  });
});

/**
 * Paths of property schemas without a description. The property schemas inside `if` and `then`
 * only add a constraint to a property described in `properties`, so they are not walked.
 */
function undescribedProperties(node: unknown, path: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => undescribedProperties(item, `${path}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  const schema = node as Json;
  const missing: string[] = [];
  if (typeof schema.properties === 'object' && schema.properties !== null) {
    for (const [key, property] of Object.entries(schema.properties as Json)) {
      const description = (property as Json).description;
      if (typeof description !== 'string' || description.trim() === '')
        missing.push(`${path}/properties/${key}`);
    }
  }
  for (const [key, child] of Object.entries(schema)) {
    if (key === 'if' || key === 'then' || key === 'else') continue;
    missing.push(...undescribedProperties(child, `${path}/${key}`));
  }
  return missing;
}
