import { randomUUID } from 'node:crypto';
import {
  englandLearner,
  englandMeeting,
  englandPlan,
  englandTransition,
  type RecordKind,
  upnCheckLetter,
} from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../src/admin/organisations.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import type { Caller } from '../src/auth/caller.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../src/db/test-database.js';
import { type ChangedRecord, type NewRecord, RecordStore } from '../src/records/store/index.js';

/**
 * The record store's two entries, a row at a time (create, update) and set-based (createBlock,
 * updateBlock), must leave the same rows behind: bulk import uses one, single writes and transfers
 * the other, and a difference between them is a difference in what an organisation is told.
 * The same script runs through each entry on a fresh database of its own, and every table the
 * store writes is compared row by row. The set entry has no remove, so removes are not compared.
 */
type Data = Record<string, unknown>;
type Entry = 'row' | 'set';

const upn = (n: number) => {
  const rest = `99088${String(n).padStart(7, '0')}`;
  return `${upnCheckLetter(`?${rest}`)}${rest}`;
};
const NORTHBRIDGE = { scheme: 'la-code', code: '990', name: 'Northbridge Borough Council' };
const PARK = { scheme: 'urn', code: '990001', name: 'Eastmere Park Academy' };
const PRIMARY = { scheme: 'urn', code: '990002', name: 'Northbridge Primary' };

// Record ids are the writer's input (the services choose them), so both databases get the same ones.
const id = { l1: randomUUID(), l2: randomUUID(), l3: randomUUID(), p1: randomUUID(), p2: randomUUID() };
const more = {
  m1: randomUUID(),
  t1: randomUUID(),
  source: randomUUID(),
  bundle: randomUUID(),
  again: randomUUID(),
};

const learner = (n: number, extra: Data = {}): Data => ({
  ...englandLearner,
  identifiers: [
    { system: 'upn', value: upn(n) },
    { system: 'la-child-id:990', value: `NB-${n}` },
  ],
  ...extra,
});
/** A record without one of its fields (a key set to undefined would still count as a difference). */
const without = (record: Data | undefined, key: string): Data => {
  const { [key]: _, ...rest } = record ?? {};
  return rest;
};
const about = (learnerId: string, record: Data, extra: Data = {}): Data => ({
  ...record,
  learnerId,
  ...extra,
});

/** What each kind's creates are, in order; each kind is one transaction, as a bulk block is. */
function creates(owner: string): [RecordKind, NewRecord[]][] {
  const own = (
    kind: RecordKind,
    recordId: string,
    learnerId: string,
    data: Data,
    extra: Partial<NewRecord> = {},
  ) => ({ kind, id: recordId, learnerId, ownerId: owner, data, ...extra }) satisfies NewRecord;
  return [
    [
      'learner',
      [
        // Enrolled at a school the register holds: the school gets a grant and a 'visible' entry.
        // The writer's name for its own authority is wrong: the register's name is stored.
        own(
          'learner',
          id.l1,
          id.l1,
          learner(1, { responsibleAuthority: { ...NORTHBRIDGE, name: 'Eastmere' } }),
        ),
        // No school on roll: no school grant.
        own('learner', id.l2, id.l2, without(learner(2), 'enrolment')),
        // An imported learner: its version says so, with where it came from.
        own(
          'learner',
          id.l3,
          id.l3,
          learner(3, { enrolment: { ...englandLearner.enrolment, school: PRIMARY } }),
          {
            change: 'imported',
            action: 'import',
            sourceRecordId: more.source,
            provenance: { bundleId: more.bundle, sender: NORTHBRIDGE, version: 4 },
          },
        ),
      ],
    ],
    [
      'plan',
      [
        own('plan', id.p1, id.l1, about(id.l1, englandPlan)),
        own('plan', id.p2, id.l2, about(id.l2, englandPlan, { status: 'draft' }), { change: 'imported' }),
      ],
    ],
    ['meeting', [own('meeting', more.m1, id.l1, about(id.l1, englandMeeting, { planId: id.p1 }))]],
    ['transition', [own('transition', more.t1, id.l3, about(id.l3, englandTransition))]],
  ];
}

/** The updates of each kind, as functions of the stored records. */
type Update = Omit<ChangedRecord, 'current'> & { id: string };
const updates: [RecordKind, (stored: Map<string, Data>) => Update[]][] = [
  [
    'learner',
    (s) => [
      // Moves school (the old school's grant ends, the new one's starts) and changes an identifier.
      {
        id: id.l1,
        data: {
          ...s.get(id.l1),
          enrolment: { ...englandLearner.enrolment, school: PRIMARY },
          identifiers: [{ system: 'upn', value: upn(11) }],
        },
        change: 'replaced',
      },
      // Changes nothing but the name of an organisation, which comes from the register: unchanged.
      {
        id: id.l2,
        data: { ...s.get(id.l2), responsibleAuthority: { ...NORTHBRIDGE, name: 'Nowhere' } },
        change: 'replaced',
      },
      // Re-imported with new provenance; leaves school, so the school's grant ends.
      {
        id: id.l3,
        data: {
          ...without(s.get(id.l3), 'enrolment'),
          careStatus: { ...englandLearner.careStatus, since: '2022-10-01' },
        },
        change: 'imported',
        sourceRecordId: more.source,
        provenance: { bundleId: more.again, sender: NORTHBRIDGE, version: 5 },
      },
    ],
  ],
  [
    'plan',
    (s) => [
      { id: id.p1, data: { ...s.get(id.p1), status: 'completed' }, change: 'patched' },
      // Sent back exactly as stored: unchanged.
      { id: id.p2, data: { ...s.get(id.p2) }, change: 'replaced' },
    ],
  ],
  [
    'meeting',
    (s) => [{ id: more.m1, data: { ...s.get(more.m1), summary: 'Tuition continues.' }, change: 'replaced' }],
  ],
  [
    'transition',
    (s) => [{ id: more.t1, data: { ...s.get(more.t1), status: 'cancelled' }, change: 'patched' }],
  ],
];

interface Side {
  test: TestDatabase;
  db: Database;
  names: Map<string, string>;
  owner: string;
  outcomes: string[];
}

async function side(entry: Entry): Promise<Side> {
  const test = await createTestDatabase();
  const db = await openDatabase({ url: test.url, memory: true, poolSize: 2 });
  await db.migrate();
  const { prisma } = db;
  const eastmere = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Eastmere County Council',
    jurisdiction: 'england',
    laCode: '991',
  });
  const northbridge = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: NORTHBRIDGE.name,
    jurisdiction: 'england',
    laCode: '990',
  });
  const orgs = [
    eastmere,
    northbridge,
    await createOrganisation(prisma, {
      kind: 'school',
      name: PARK.name,
      jurisdiction: 'england',
      urn: PARK.code,
      authorityId: eastmere.id,
    }),
    await createOrganisation(prisma, {
      kind: 'school',
      name: PRIMARY.name,
      jurisdiction: 'england',
      urn: PRIMARY.code,
      authorityId: northbridge.id,
    }),
  ];
  const caller: Caller = {
    clientId: 'equivalence-client',
    organisationId: northbridge.id,
    organisationKind: 'local-authority',
    actingForId: northbridge.id,
    actingForKind: 'local-authority',
    scopes: new Set(),
    requestId: 'equivalence-request',
  };
  const store = new RecordStore(new AuditTrail(db.sql));
  const outcomes: string[] = [];

  for (const [kind, records] of creates(northbridge.id))
    await prisma.$transaction(async (tx) => {
      if (entry === 'set') return store.createBlock(tx, caller, kind, records);
      for (const record of records) await store.create(tx, caller, record);
    });

  const rows = await prisma.record.findMany();
  const stored = new Map(rows.map((r) => [r.id, r.data as Data]));
  for (const [kind, changesOf] of updates) {
    const changes: ChangedRecord[] = changesOf(stored).map(({ id: recordId, ...change }) => ({
      ...change,
      current: rows.find((r) => r.id === recordId)!,
    }));
    await prisma.$transaction(async (tx) => {
      if (entry === 'set') {
        const { updated, unchanged } = await store.updateBlock(tx, caller, kind, changes);
        outcomes.push(`${kind}: ${updated} updated, ${unchanged} unchanged`);
        return;
      }
      const written: string[] = [];
      for (const change of changes) written.push((await store.update(tx, caller, change)).outcome);
      const count = (o: string) => written.filter((w) => w === o).length;
      outcomes.push(`${kind}: ${count('updated')} updated, ${count('unchanged')} unchanged`);
    });
  }
  return { test, db, names: new Map(orgs.map((o) => [o.id, o.name])), owner: northbridge.id, outcomes };
}

/**
 * Every table the store writes, read with `SELECT *` so a column added later is compared too. What
 * is normalised, and why:
 * - organisation ids (organisation.id, uuid(7) made at insert) differ between the two databases:
 *   replaced by the organisation's name, which the test gave both the same;
 * - timestamps are each database's clock at the time of writing: kept as "set or not". What they
 *   mean is checked instead: a record's updated_at is its latest version's changed_at;
 * - learner_access.id is made by the database (gen_random_uuid in the set entry, uuid(7) by Prisma
 *   in the row entry) and nothing refers to it: dropped;
 * - change.id and audit_event.id come from sequences, change.txid is the writing transaction's id:
 *   replaced by their rank, so order and grouping into transactions are still compared.
 */
async function snapshot({ db, names }: Side) {
  const q = <T = Data>(sql: string) => db.sql<T>(sql, []);
  const org = (v: unknown) => (v == null ? v : (names.get(String(v)) ?? `unknown organisation ${String(v)}`));
  const set = (v: unknown) => (v == null ? null : 'set');
  const normalise = (row: Data, rules: Record<string, (v: unknown) => unknown>) =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([k]) => rules[k] !== drop)
        .map(([k, v]) => [k, rules[k] ? rules[k](v) : v instanceof Date ? 'timestamp' : v]),
    );

  // jsonb_typeof tells an SQL NULL from a JSON null, which read back as the same null.
  const record = (
    await q(
      'SELECT *, jsonb_typeof(data) AS data_type, jsonb_typeof(provenance) AS provenance_type FROM record ORDER BY id',
    )
  ).map((r) =>
    normalise(r, { owner_id: org, written_by_id: org, created_at: set, updated_at: set, deleted_at: set }),
  );
  const latestVersionAtUpdate = await q(
    `SELECT r.id, r.updated_at = v.changed_at AS same FROM record r
       JOIN record_version v ON v.record_id = r.id AND v.version = r.version ORDER BY r.id`,
  );
  const version = (
    await q('SELECT *, jsonb_typeof(data) AS data_type FROM record_version ORDER BY record_id, version')
  ).map((r) => normalise(r, { organisation_id: org, changed_at: set }));
  const identifier = (await q('SELECT * FROM learner_identifier ORDER BY learner_id, system, value')).map(
    (r) => normalise(r, { owner_id: org }),
  );
  const access = (await q('SELECT * FROM learner_access'))
    .map((r) => normalise(r, { id: drop, organisation_id: org, started_at: set, ended_at: set }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  // The feed is read in (txid, id) order, and whether an organisation sees an entry depends only on
  // the entries about the same learner before it (the 'visible'/'hidden' ones). So the feed is
  // compared as each learner's entries in that order, each with the rank of its transaction; how
  // one transaction's entries about different learners interleave is not part of what it says.
  // An alert's id is random: its entry is compared by the alert it names (kind, occurrence, detail).
  const change = (await q(
    `SELECT c.*, a.kind AS alert_kind, a.occurrence AS alert_occurrence, a.record_version AS alert_version,
            a.detail AS alert_detail
     FROM change c LEFT JOIN alert a ON a.id = c.alert_id ORDER BY c.txid, c.id`,
  )) as Data[];
  const txids = [...new Set(change.map((c) => String(c.txid)))];
  const feed: Record<string, Data[]> = {};
  for (const c of change) {
    const entries = feed[String(c.learner_id)] ?? [];
    feed[String(c.learner_id)] = entries;
    entries.push({
      ...normalise(c, { id: drop, at: drop, organisation_id: org, txid: drop, alert_id: set }),
      transaction: txids.indexOf(String(c.txid)),
    });
  }
  const audit = (await q('SELECT * FROM audit_event ORDER BY id')).map((r) =>
    normalise(r, { id: drop, at: drop, organisation_id: org }),
  );
  return { record, latestVersionAtUpdate, version, identifier, access, feed, audit };
}
const drop = (v: unknown) => v;

let row: Side;
let set: Side;
// Two databases to boot and migrate, on a machine that may be busy.
beforeAll(async () => {
  row = await side('row');
  set = await side('set');
}, 240_000);
afterAll(async () => {
  for (const s of [row, set]) {
    await s?.db.close();
    await s?.test.drop();
  }
});

describe('the record store: the row entry and the set entry write the same rows', () => {
  it('say the same outcome: writes that change nothing are unchanged on both', () => {
    expect(row.outcomes).toEqual([
      'learner: 2 updated, 1 unchanged',
      'plan: 1 updated, 1 unchanged',
      'meeting: 1 updated, 0 unchanged',
      'transition: 1 updated, 0 unchanged',
    ]);
    expect(set.outcomes).toEqual(row.outcomes);
  });

  it('leave the same records, versions, identifiers, access grants, feed entries and audit events', async () => {
    const [a, b] = [await snapshot(row), await snapshot(set)];
    // What the script wrote, so a comparison of two empty tables cannot pass for equality.
    expect(a.record).toHaveLength(7);
    expect(a.version).toHaveLength(7 + 5);
    expect(a.access.filter((g) => g.ended_at === 'set')).toHaveLength(2);
    expect(a.latestVersionAtUpdate.every((r) => r.same)).toBe(true);
    expect(b.latestVersionAtUpdate.every((r) => r.same)).toBe(true);
    for (const table of ['record', 'version', 'identifier', 'access', 'feed', 'audit'] as const)
      expect.soft(b[table], table).toEqual(a[table]);
  });

  it('store the names of organisations from the register on both', async () => {
    for (const s of [row, set]) {
      const l1 = await s.db.prisma.record.findUniqueOrThrow({ where: { id: id.l1 } });
      expect((l1.data as Data).responsibleAuthority).toEqual(NORTHBRIDGE);
    }
  });
});
