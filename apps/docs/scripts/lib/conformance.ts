/**
 * The conformance kit's tests as tables, one per group, from @celr/conformance's catalogue: what
 * the "Conformance" page lists is what the kit runs, never a copy kept by hand.
 */
import { CATALOGUE, GROUPS, ROLES } from '@celr/conformance';
import { code, text } from './markdown.js';
import { GENERATED_HEADER } from './paths.js';
import type { Pages } from './record-pages.js';

/** A clause as a link where it names a page of these docs (`CELR concepts/versions#if-match`). */
const clause = (value: string) =>
  value
    .split('; ')
    .map((part) => {
      const m = /^CELR ([a-z-]+\/[a-z-]*)(?:#([a-z-]+))?$/.exec(part);
      return m ? `[${m[1]}${m[2] ? `#${m[2]}` : ''}](../${m[1]}${m[2] ? `#${m[2]}` : ''})` : text(part);
    })
    .join('; ');

export function conformancePages(): Pages {
  const lines = [GENERATED_HEADER, ''];
  const roleCounts = ROLES.map((role) => {
    const suite = CATALOGUE.filter((t) => t.roles.includes(role));
    return `| ${code(role)} | ${suite.length} | ${suite.filter((t) => t.level === 'mandatory').length} |`;
  });
  lines.push('| Role | Tests | Mandatory |', '| --- | --- | --- |', ...roleCounts, '');
  for (const [group, title] of Object.entries(GROUPS)) {
    const tests = CATALOGUE.filter((t) => t.group === group);
    if (!tests.length) continue;
    lines.push(
      `### ${text(title)} {#${group}}`,
      '',
      '| Test | What it checks | Level | Roles | Clause |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const t of tests)
      lines.push(
        `| ${code(t.id)} | ${text(t.title)} | ${t.level} | ${t.roles.join(', ')} | ${clause(t.clause)} |`,
      );
    lines.push('');
  }
  return new Map([['_generated/conformance-tests.md', lines.join('\n')]]);
}
