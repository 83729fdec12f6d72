import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How many types a generated client could not say: `unknown` and `any` written as types in the
 * TypeScript files of `dir` (comments and string literals left out, so a description saying "any"
 * or an enum member 'unknown' is not counted). The figure the issue tracks per generator.
 */
export function countUntyped(dir: string): { unknown: number; any: number } {
  let unknown = 0;
  let any = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const code = readFileSync(join(entry.parentPath, entry.name), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
    unknown += code.match(/\bunknown\b/g)?.length ?? 0;
    any += code.match(/\bany\b/g)?.length ?? 0;
  }
  return { unknown, any };
}
