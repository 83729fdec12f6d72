/**
 * What a TypeScript program that imports @celr/schema costs its compiler. The package's published
 * declarations (dist/, its `types` entry) once carried TypeBox's static types: a one-line strict
 * program loaded all of TypeBox's declarations (some 450 files) and re-derived every record type, about
 * 240,000 types and half a minute or more. They now carry flat named types (dist/flat-types.d.ts, made
 * by packages/schema/scripts/flat-types.ts). Here, a strict program with skipLibCheck off, resolving the
 * package as a consumer does (no @celr/source condition), must type-check, must load no file of
 * `typebox`, and must stay within a type count that re-deriving the records would exceed many times.
 * Needs @celr/schema built (turbo builds it before this workspace's tests).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/workspace.js';

// Inside the repository's node_modules, so that `@celr/schema` resolves as an installed package.
const dir = join(REPO_ROOT, 'node_modules/.cache/celr-schema-types-test');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('@celr/schema as a TypeScript program sees it', () => {
  it('type-checks a strict program without loading TypeBox, with flat named types', () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    const main = join(dir, 'main.ts');
    writeFileSync(
      main,
      [
        "import { type LearnerInput, type Plan, codesOf, records, validate } from '@celr/schema';",
        "const result = validate('learner', JSON.parse('{}'));",
        'export const learner: LearnerInput | undefined = result.ok ? (result.value as LearnerInput) : undefined;',
        "export const status: Plan['status'] = 'active';",
        "export const codes: readonly string[] = codesOf('england-legal-status');",
        'export const schema: object = records.learner.input.england;',
        '',
      ].join('\n'),
    );
    const program = ts.createProgram([main], {
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      // jose's declarations (bundle signatures) name fetch's types: Node's, as the SDK's users have them.
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      noEmit: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    const files = program.getSourceFiles().map((f) => f.fileName);
    expect(files.some((f) => f.includes('/packages/schema/dist/flat-types.d.ts'))).toBe(true);
    expect(files.filter((f) => f.includes('/node_modules/typebox/'))).toEqual([]);

    // The named types read as what they are, not as Static<...> of a schema.
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(main)!;
    const learner = source.statements
      .filter(ts.isVariableStatement)
      .flatMap((s) => s.declarationList.declarations)
      .find((d) => d.name.getText() === 'learner')!;
    const learnerType = checker.getTypeAtLocation(learner.name);
    expect(checker.typeToString(learnerType)).not.toMatch(/Static|TObject/);

    // About 25,000 with the flat types, of which some 17,000 are TypeScript's lib; 240,000 before.
    expect(program.getTypeCount()).toBeLessThan(60_000);
  }, 120_000);
});
