/**
 * One reason a value is not valid. `pointer` is an RFC 6901 JSON pointer into the value
 * ('' for the value itself); `rule` is stable (a JSON Schema keyword or one of CELR's rule
 * names) so that programs can act on it; `message` is for people.
 */
export interface ValidationIssue {
  pointer: string;
  rule: string;
  message: string;
  /** Where the field is, when not in the body (API query, path and header parameters). */
  in?: 'body' | 'query' | 'path' | 'header';
}

export type ValidationResult<T> =
  | { ok: true; value: T; issues: [] }
  | { ok: false; issues: ValidationIssue[] };

/** Escape one reference token for a JSON pointer (RFC 6901 section 3). */
export const pointerToken = (key: string | number) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');

export const pointerOf = (...path: (string | number)[]) => path.map((p) => `/${pointerToken(p)}`).join('');
