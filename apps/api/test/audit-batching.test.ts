import { describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { Caller } from '../src/auth/caller.js';
import type { Database } from '../src/db/database.js';

/**
 * Read events are stored in batches, at most two at a time (group commit): under load every read
 * waiting while two batches are stored goes into the next one, instead of each turn of the event
 * loop taking a pool connection and a commit of its own. No database: the statement is held open
 * by hand to play a slow commit.
 */
const caller: Caller = {
  clientId: 'c',
  organisationId: '00000000-0000-7000-8000-000000000001',
  organisationKind: 'local-authority',
  actingForId: '00000000-0000-7000-8000-000000000001',
  actingForKind: 'local-authority',
  scopes: new Set(),
  requestId: 'request-1',
};
const event = { action: 'read', recordKind: 'learner', recordId: '00000000-0000-7000-8000-000000000002' };
const turn = () => new Promise((resolve) => setImmediate(resolve));

function heldDatabase(fail?: (batch: number) => boolean) {
  const batches: number[] = [];
  const open: (() => void)[] = [];
  let inFlight = 0;
  let most = 0;
  const sql = (async (_text: string, params: unknown[]) => {
    const batch = batches.push((params[0] as unknown[]).length);
    most = Math.max(most, ++inFlight);
    await new Promise<void>((resolve) => open.push(resolve));
    inFlight--;
    if (fail?.(batch)) throw new Error(`batch ${batch} failed`);
    return [];
  }) as Database['sql'];
  const commitOldest = async () => {
    open.shift()?.();
    await turn();
    await turn();
  };
  return { sql, batches, commitOldest, most: () => most };
}

describe('read audit batching', () => {
  it('stores at most two batches at once; reads arriving meanwhile share the next', async () => {
    const db = heldDatabase();
    const audit = new AuditTrail(db.sql);
    const reads: Promise<void>[] = [];
    let answered = 0;
    // Ten reads, each answered in a turn of the event loop of its own.
    for (let i = 0; i < 10; i++) {
      reads.push(audit.read(caller, event).then(() => void answered++));
      await turn();
    }
    expect(db.batches).toEqual([1, 1]);
    expect(answered).toBe(0);
    await db.commitOldest();
    expect(answered).toBe(1);
    expect(db.batches).toEqual([1, 1, 8]);
    await db.commitOldest();
    await db.commitOldest();
    await Promise.all(reads);
    expect(answered).toBe(10);
    expect(db.most()).toBe(2);
  });

  it('fails every read of a batch that could not be stored, and stores the next batch', async () => {
    const db = heldDatabase((batch) => batch === 1);
    const audit = new AuditTrail(db.sql);
    const first = audit.read(caller, event);
    const failed = expect(first).rejects.toThrow('batch 1 failed');
    await turn();
    const second = audit.read(caller, event);
    await turn();
    await db.commitOldest();
    await failed;
    await db.commitOldest();
    await expect(second).resolves.toBeUndefined();
  });
});
