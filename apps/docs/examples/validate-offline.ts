/**
 * Validate files offline with @celr/schema: the same checks the API makes, without a network.
 * site/guides/validate-offline.md includes the regions of this file; tests/docs/examples.test.ts
 * runs them.
 */
// #region imports
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type RecordKind, validate } from '@celr/schema';
// #endregion imports

// #region validate

/** Every problem in a JSON file holding one record, as `pointer rule message` lines; none when it is valid. */
export function checkFile(kind: RecordKind, path: string): string[] {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const result = validate(kind, value);
  return result.ok ? [] : result.issues.map((i) => `${i.pointer} ${i.rule} ${i.message}`);
}
// #endregion validate

// #region json-schema
/** The JSON Schema files ship in the package: `@celr/schema/json-schema/<file>`, listed in index.json. */
export function jsonSchemaFiles(): { name: string; file: string; path: string }[] {
  const require = createRequire(import.meta.url);
  const index = require.resolve('@celr/schema/json-schema/index.json');
  const { schemas } = JSON.parse(readFileSync(index, 'utf8')) as {
    schemas: { name: string; file: string }[];
  };
  return schemas.map(({ name, file }) => ({
    name,
    file,
    path: require.resolve(`@celr/schema/json-schema/${file}`),
  }));
}
// #endregion json-schema
