import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Only the record store (src/records/store/) writes the record tables: records, their versions,
 * identifiers, access grants and change-feed entries; audit events are inserted by the audit trail
 * alone. A scan of the source, so a new write path cannot slip in beside the store.
 */
const SRC = join(import.meta.dirname, '../src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'generated'
        ? []
        : files(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
const TABLES = 'record|record_version|learner_identifier|learner_access|change';
const SQL_WRITE = new RegExp(`\\b(INSERT\\s+INTO|UPDATE)\\s+(${TABLES})\\b`, 'i');
const PRISMA_WRITE =
  /\.(record|recordVersion|learnerIdentifier|learnerAccess|change)\.(create|createMany|update|updateMany|upsert)\(/;

describe('one write path', () => {
  it('writes the record tables only in src/records/store/', () => {
    const offenders = files(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => !f.startsWith('records/store/'))
      .filter((f) => {
        const text = readFileSync(join(SRC, f), 'utf8');
        return SQL_WRITE.test(text) || PRISMA_WRITE.test(text);
      });
    expect(offenders).toEqual([]);
  });

  it('inserts audit events only in the audit trail', () => {
    const offenders = files(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => f !== 'audit/audit-trail.ts')
      .filter((f) =>
        /INSERT\s+INTO\s+audit_event|\.auditEvent\.(create|createMany)\(/i.test(
          readFileSync(join(SRC, f), 'utf8'),
        ),
      );
    expect(offenders).toEqual([]);
  });

  it('would see a write outside the store', () => {
    expect(SQL_WRITE.test('INSERT INTO record_version (a) VALUES (1)')).toBe(true);
    expect(PRISMA_WRITE.test('await tx.learnerAccess.create({')).toBe(true);
  });
});
