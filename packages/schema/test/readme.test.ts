import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');
const examples = readdirSync(new URL('../examples', import.meta.url)).filter((f) => f.endsWith('.ts'));

describe('README.md', () => {
  it.each(examples)('includes examples/%s verbatim, and it runs', async (file) => {
    expect(readme).toContain(`\`\`\`ts\n${read(`examples/${file}`)}\`\`\``);
    // Each example asserts what the README says it returns; importing it runs those assertions.
    await import(`../examples/${file}`);
  });
});
