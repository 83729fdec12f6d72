/** Small helpers for writing markdown that VitePress (markdown-it with HTML, then Vue) renders as written. */

/** Inline code, with enough backticks to hold any backticks inside. */
export function code(value: string): string {
  const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** Text from a schema or a source file: `<` and `>` outside code spans are shown, not parsed as HTML. */
export function text(value: string): string {
  return value
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');
}

/** A table cell: no line breaks, pipes escaped. */
export function cell(value: string): string {
  return text(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

export function table(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/**
 * Markdown that Vue must not interpret: `{{ }}` in generated text would otherwise be a template
 * expression. VitePress's `v-pre` container renders the markdown inside as-is.
 */
export const vPre = (markdown: string) => `::: v-pre\n${markdown}\n:::`;

/** A value from an example, compact, for a table cell. Objects are shown by their own fields' rows. */
export function exampleCell(value: unknown, max = 60): string {
  if (value !== null && typeof value === 'object') {
    const scalars = Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
    if (!scalars) return '';
  }
  const json = JSON.stringify(value);
  if (json === undefined) return '';
  return code(json.length > max ? `${json.slice(0, max - 1)}…` : json);
}

/** A heading anchor as VitePress makes it (lower case, spaces and punctuation to hyphens). */
export const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
