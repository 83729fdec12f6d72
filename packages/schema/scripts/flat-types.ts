/**
 * The published declarations of @celr/schema, without TypeBox's type machinery.
 *
 * Why: tsc's declarations of this package carry TypeBox's static types: each named type is
 * `Static<typeof schema>`, and each schema is a nest of `import("typebox").TObject<...>`. A program that
 * imports @celr/schema then loads the whole of `typebox`'s declarations (some 450 files) and
 * re-derives every record type from its schema: a strict `tsc` of a one-line program took 35 to 80 s,
 * 600 MB and 240,000 types, nearly all spent in TypeBox's declarations.
 *
 * What `flattenDeclarations()` (run by `npm run build`, after tsc) does to dist/:
 * - writes dist/flat-types.d.ts: every named type that the sources declare as `Static<typeof X>`
 *   (`LearnerInput`, `Plan`, `TransferBundle`, ...) as a plain TypeScript type, printed by the compiler
 *   from the schema;
 * - in every other .d.ts, points each of those aliases at its flat type
 *   (`export type Plan = import("../flat-types.js").Plan;`, on the same line, so declaration maps stay
 *   right), and points the imports of `typebox` at dist/json-schema-types.d.ts, which describes a schema
 *   object as the JSON Schema it is (`TObject<P>` is `{ type: 'object'; properties: P }`), without
 *   TypeBox's conditional types.
 *
 * The TypeBox schemas stay the one source of truth: the flat types are printed from them at every build,
 * and test/flat-types.test.ts checks that each printed type is the same type as `Static<typeof X>`.
 * Inside the repository nothing changes: the packages read @celr/schema's sources (the `@celr/source`
 * condition), with TypeBox's types.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = 'packages/schema/scripts/flat-types.ts';

export interface FlatType {
  name: string;
  /** The source file that declares it, relative to src/ (`records/index.ts`). */
  file: string;
  /** The schema expression of `Static<typeof ...>` (`learner.Input`). */
  schema: string;
  /** The type, printed by the compiler from the schema. */
  text: string;
}

/** The TypeBox names the declarations may use, and what each stands for in json-schema-types.d.ts. */
const SCHEMA_TYPES: Record<string, string> = {
  TSchema: 'interface TSchema {\n  readonly [keyword: string]: unknown;\n}',
  TProperties: 'type TProperties = Record<string, TSchema>;',
  TObject: "interface TObject<P = TProperties> extends TSchema {\n  type: 'object';\n  properties: P;\n}",
  TArray: "interface TArray<T = TSchema> extends TSchema {\n  type: 'array';\n  items: T;\n}",
  TString: "interface TString extends TSchema {\n  type: 'string';\n}",
  TNumber: "interface TNumber extends TSchema {\n  type: 'number';\n}",
  TInteger: "interface TInteger extends TSchema {\n  type: 'integer';\n}",
  TBoolean: "interface TBoolean extends TSchema {\n  type: 'boolean';\n}",
  TNull: "interface TNull extends TSchema {\n  type: 'null';\n}",
  TLiteral: 'interface TLiteral<V = unknown> extends TSchema {\n  const: V;\n}',
  TEnum: 'interface TEnum<V = unknown[]> extends TSchema {\n  enum: V;\n}',
  TUnion: 'interface TUnion<T = TSchema[]> extends TSchema {\n  anyOf: T;\n}',
  TUnknown: 'interface TUnknown extends TSchema {}',
  TOptional:
    '/** A property that may be absent (its object does not list it in `required`). */\ntype TOptional<T = TSchema> = T;',
  TUnsafe:
    '/** A schema whose value has type T. */\ninterface TUnsafe<T = unknown> extends TSchema {\n  readonly "~celr:type"?: T;\n}',
  Validator:
    "/** TypeBox's compiled validator (typebox/compile), its methods without TypeBox's types. */\n" +
    'interface Validator {\n  IsAccelerated(): boolean;\n  Type(): TSchema;\n  Code(): string;\n' +
    '  Check(value: unknown): boolean;\n  Parse(value: unknown): unknown;\n  Errors(value: unknown): unknown[];\n' +
    '  Clean(value: unknown): unknown;\n  Convert(value: unknown): unknown;\n  Create(): unknown;\n' +
    '  Default(value: unknown): unknown;\n  Decode(value: unknown): unknown;\n  Encode(value: unknown): unknown;\n}',
};

/** Prints every `export type X = Static<typeof Y>` of the sources as a plain type. */
export function flatTypes(): FlatType[] {
  const program = sourceProgram();
  const checker = program.getTypeChecker();
  const srcDir = join(PACKAGE_DIR, 'src');
  const found: FlatType[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    if (!sourceFile.fileName.startsWith(srcDir)) continue;
    for (const statement of sourceFile.statements) {
      const target = staticAlias(statement);
      if (!target) continue;
      const type = checker.getTypeAtLocation(target.alias.type);
      const node = checker.typeToTypeNode(
        type,
        undefined,
        ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.MultilineObjectLiterals,
      );
      const text = node
        ? ts.createPrinter({ removeComments: true }).printNode(ts.EmitHint.Unspecified, node, sourceFile)
        : '';
      if (!text || /\bimport\(|\bT[A-Z][A-Za-z]*</.test(text) || text === 'any' || text === 'unknown')
        throw new Error(`${target.alias.name.text}: the compiler printed no plain type for it:\n${text}`);
      found.push({
        name: target.alias.name.text,
        file: relative(srcDir, sourceFile.fileName),
        schema: target.schema,
        text,
      });
    }
  }
  const names = new Set(found.map((f) => f.name));
  if (names.size !== found.length) throw new Error('two named types share a name');
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function staticAlias(statement: ts.Statement) {
  if (!ts.isTypeAliasDeclaration(statement)) return undefined;
  if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return undefined;
  const type = statement.type;
  if (!ts.isTypeReferenceNode(type) || type.typeName.getText() !== 'Static') return undefined;
  const argument = type.typeArguments?.[0];
  if (!argument || !ts.isTypeQueryNode(argument)) return undefined;
  return { alias: statement, schema: argument.exprName.getText() };
}

export function sourceProgram(extraRoots: string[] = [], host?: ts.CompilerHost): ts.Program {
  const configFile = join(PACKAGE_DIR, 'tsconfig.build.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configFile}`);
  const options = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
  };
  return ts.createProgram({
    rootNames: [...parsed.fileNames, ...extraRoots],
    options,
    ...(host ? { host } : {}),
  });
}

/** The text of dist/flat-types.d.ts. */
export function flatTypesFile(types: FlatType[]): string {
  const parts = [
    `// Generated by ${SCRIPT} (npm run build -w @celr/schema) from the TypeBox schemas in src/; do not edit.`,
    '// Each type is Static<typeof schema> of the schema named above it, printed as a plain type so that a',
    "// program using @celr/schema does not load TypeBox's declarations to derive it.",
    '',
  ];
  for (const t of types) {
    parts.push(
      `/** Static<typeof ${t.schema}> (src/${t.file}). */`,
      `export type ${t.name} = ${t.text};`,
      '',
    );
  }
  return parts.join('\n');
}

/** The text of dist/json-schema-types.d.ts: TypeBox's schema type names, as the JSON Schema objects they are. */
export function schemaTypesFile(): string {
  const names = Object.keys(SCHEMA_TYPES);
  return [
    `// Generated by ${SCRIPT} (npm run build -w @celr/schema); do not edit.`,
    "// The published declarations of @celr/schema name their schemas with TypeBox's type names; this file",
    '// says what those names are as JSON Schema objects, without TypeBox (its conditional types derive a',
    '// static type from a schema; @celr/schema publishes those types ready-made, in flat-types.d.ts).',
    '',
    ...names.map((n) => `export ${SCHEMA_TYPES[n]}`),
    '',
  ].join('\n');
}

/**
 * The text of dist/json-schema-type-names.d.ts, which the declarations import instead of `typebox`: the
 * same names, also as the default export (`import Type from 'typebox'`, then `Type.TObject<...>`).
 */
export function schemaTypeNamesFile(): string {
  return [
    `// Generated by ${SCRIPT} (npm run build -w @celr/schema); do not edit.`,
    "export * from './json-schema-types.js';",
    "import * as Type from './json-schema-types.js';",
    'export default Type;',
    '',
  ].join('\n');
}

const GENERATED = ['flat-types.d.ts', 'json-schema-types.d.ts', 'json-schema-type-names.d.ts'];

/** Rewrites dist/'s declarations (see the top of this file). Returns the files it changed. */
export function flattenDeclarations(distDir = join(PACKAGE_DIR, 'dist')): string[] {
  const types = flatTypes();
  const byFile = new Map<string, Map<string, FlatType>>();
  for (const t of types) {
    const file = t.file.replace(/\.ts$/, '.d.ts');
    if (!byFile.has(file)) byFile.set(file, new Map());
    byFile.get(file)!.set(t.name, t);
  }
  writeFileSync(join(distDir, 'flat-types.d.ts'), flatTypesFile(types));
  writeFileSync(join(distDir, 'json-schema-types.d.ts'), schemaTypesFile());
  writeFileSync(join(distDir, 'json-schema-type-names.d.ts'), schemaTypeNamesFile());

  const changed: string[] = [];
  for (const file of declarationFiles(distDir)) {
    const rel = relative(distDir, file);
    if (GENERATED.includes(rel)) continue;
    const before = readFileSync(file, 'utf8');
    let text = before;
    const toRoot = relative(dirname(file), distDir) || '.';
    const spec = (name: string) => `${toRoot.startsWith('.') ? toRoot : `./${toRoot}`}/${name}`;
    const aliases = byFile.get(rel) ?? new Map<string, FlatType>();
    for (const [name] of aliases) {
      const line = new RegExp(`^export type ${name} = Static<typeof [\\w.]+>;$`, 'm');
      if (!line.test(text)) throw new Error(`${rel}: no declaration of ${name} as Static<typeof ...>`);
      text = text.replace(line, `export type ${name} = import("${spec('flat-types.js')}").${name};`);
    }
    // Static is no longer used; the rest of TypeBox's names come from json-schema-types.d.ts.
    text = text
      .replace(/^import type \{ Static \} from 'typebox';\n/m, '')
      .replace(/, \{ type Static \} from 'typebox'/g, " from 'typebox'")
      .replace(/from 'typebox(?:\/\w+)?'/g, `from '${spec('json-schema-type-names.js')}'`)
      .replace(/import\("typebox(?:\/\w+)?"\)/g, `import("${spec('json-schema-type-names.js')}")`);
    for (const used of text.matchAll(/(?:import\("[^"]*json-schema-type-names\.js"\)|\bType)\.(\w+)/g)) {
      if (!(used[1]! in SCHEMA_TYPES))
        throw new Error(`${rel} uses TypeBox's ${used[1]}, which json-schema-types.d.ts does not describe`);
    }
    if (/\btypebox\b['"]|\bStatic</.test(text))
      throw new Error(`${rel} still refers to TypeBox's types after flattening`);
    if (text !== before) {
      writeFileSync(file, text);
      changed.push(rel);
    }
  }
  return changed;
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const changed = flattenDeclarations();
  console.log(
    `flat-types: ${changed.length} declaration files rewritten in ${Math.round(performance.now() - started)} ms`,
  );
}
