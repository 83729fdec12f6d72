import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');
const examples = readdirSync(new URL('../examples', import.meta.url)).filter((f) => f.endsWith('.ts'));

describe('README.md', () => {
  it.each(examples)('includes examples/%s verbatim (tests/sdk runs it against the API)', (file) => {
    expect(readme).toContain(`\`\`\`ts\n${read(`examples/${file}`)}\`\`\``);
  });

  it('has no TypeScript that is not one of the examples', () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const sources = examples.map((f) => read(`examples/${f}`));
    expect(blocks.length).toBe(examples.length);
    for (const block of blocks) expect(sources).toContain(block);
  });
});
