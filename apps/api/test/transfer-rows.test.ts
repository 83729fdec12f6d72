import {
  bundleDigest,
  englandLearner,
  englandMeeting,
  englandPlan,
  englandTransition,
  signBundle,
  type TransferBundle,
  upnCheckLetter,
} from '@celr/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * What an accept and an import write, row by row, and answer, pinned to files in __snapshots__: every
 * row of every table that the request added or changed (or removed), and the response's body, with ids, times, digests and signatures
 * replaced by stable placeholders (ids numbered in the order they first appear; serial ids dropped,
 * their order kept). The import code can change how it writes (a statement per record or a block)
 * but not what: the same records, versions, feed entries in the same order, audit events in the same
 * order, grants, identifiers, alerts, transfer row and history. The files were written by the
 * statement-per-record importer.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

type Org = 'northbridge' | 'eastmere';
const post = async (org: Org, url: string, payload?: object) => api.as(org, { method: 'POST', url, payload });
const created = async (org: Org, url: string, payload: object) => {
  const res = await post(org, url, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
};

describe('the rows a transfer writes', () => {
  it('are the same for an accept (new learner) and an import over it (matched, mixed updates)', async () => {
    const rest = '990777700001';
    const upn = `${upnCheckLetter(`?${rest}`)}${rest}`;
    const learnerId = await created('northbridge', '/v1/learners', {
      ...englandLearner,
      identifiers: [{ system: 'upn', value: upn }],
    });
    const plans = [];
    for (const status of ['completed', 'active', 'active'])
      plans.push(await created('northbridge', '/v1/plans', { ...englandPlan, learnerId, status }));
    const meetings = [];
    // Two meetings of the second plan, one of the third (not sent: its link is dropped), one of none.
    for (const planId of [plans[1], plans[1], plans[2], undefined])
      meetings.push(await created('northbridge', '/v1/meetings', { ...englandMeeting, learnerId, planId }));
    const transitions = [
      await created('northbridge', '/v1/transitions', {
        ...englandTransition,
        learnerId,
        type: 'authority-move',
        status: 'planned',
        actualDate: undefined,
        plannedDate: '2026-09-01',
      }),
      await created('northbridge', '/v1/transitions', { ...englandTransition, learnerId }),
    ];
    const sent = await post('northbridge', '/v1/transfers', {
      learnerId,
      recipient: { scheme: 'la-code', code: '991' },
      reason: 'responsibility-moves',
      note: 'Moving to a long-term placement in Eastmere.',
      include: { plans: plans.slice(0, 2), meetings, transitions },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const transferId = sent.json().id as string;
    // Eastmere's client and token exist before the rows are compared.
    expect((await api.as('eastmere', { method: 'GET', url: `/v1/transfers/${transferId}` })).statusCode).toBe(
      200,
    );

    const accept = await rowsWrittenBy(api.db.prisma, () =>
      post('eastmere', `/v1/transfers/${transferId}/accept`),
    );
    expect(accept.response.statusCode, accept.response.body).toBe(200);
    await expect(accept.dump).toMatchFileSnapshot('./__snapshots__/transfer-rows.accept.json');

    // The same sender's next bundle of the learner, as another system would send it: the learner and
    // one plan changed, a new plan between two held ones, one meeting changed, the rest the same.
    const bundle = (
      await api.as('eastmere', { method: 'GET', url: `/v1/transfers/${transferId}/bundle` })
    ).json() as TransferBundle;
    const [p0, p1] = bundle.content.plans as Record<string, unknown>[];
    const [m0, ...otherMeetings] = bundle.content.meetings as Record<string, unknown>[];
    const content = {
      ...bundle.content,
      learner: { ...bundle.content.learner, additionalNeeds: { status: 'E', primaryNeed: 'Autism' } },
      plans: [p0, { ...p1, id: crypto.randomUUID(), status: 'draft' }, { ...p1, status: 'completed' }],
      meetings: [{ ...m0, summary: 'Tuition to continue; science club agreed.' }, ...otherMeetings],
    } as TransferBundle['content'];
    const northbridge = await api.app.signingKeys.signer('bundle', api.orgs.northbridge.id);
    const next = await signBundle(
      {
        manifest: {
          ...bundle.manifest,
          bundleId: crypto.randomUUID(),
          contentDigest: await bundleDigest(content),
        },
        content,
      },
      northbridge.key,
      northbridge.kid,
    );
    const imported = await rowsWrittenBy(api.db.prisma, () => post('eastmere', '/v1/bundles/import', next));
    expect(imported.response.statusCode, imported.response.body).toBe(201);
    expect(imported.response.json().result).toMatchObject({
      learner: { outcome: 'matched', write: 'updated' },
      plans: {
        created: [expect.any(String)],
        updated: [expect.any(String)],
        unchanged: [expect.any(String)],
      },
      meetings: {
        updated: [expect.any(String)],
        unchanged: [expect.any(String), expect.any(String), expect.any(String)],
      },
    });
    await expect(imported.dump).toMatchFileSnapshot('./__snapshots__/transfer-rows.import.json');
  });
});

/** Every row of every table as text (jsonb), by table. */
async function tableRows(prisma: PrismaClient) {
  const tables = await prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE '\\_prisma%' ORDER BY tablename`,
  );
  const rows = new Map<string, string[]>();
  for (const { name } of tables)
    rows.set(
      name,
      (
        await prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT to_jsonb(t)::text AS row FROM "${name}" t`)
      ).map((r) => r.row),
    );
  return rows;
}

/** Tables whose serial id orders their rows; their rows are listed in that order. */
const SERIAL = ['change', 'audit_event', 'transfer_event'];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The rows a request added, changed or removed, in a form that does not depend on ids or the clock. */
async function rowsWrittenBy<T extends { body: string }>(prisma: PrismaClient, request: () => Promise<T>) {
  const before = await tableRows(prisma);
  const startedAt = Date.now();
  const response = await request();
  const after = await tableRows(prisma);
  const today = new Date().toISOString().slice(0, 10);
  const labels = new Map<string, string>();
  const secrets = new Set<string>();
  const clients = new Map<string, string>();
  const numbered = (map: Map<string, string>, value: string, name: string) => {
    if (!map.has(value)) map.set(value, `<${name} ${map.size + 1}>`);
    return map.get(value) as string;
  };
  const clientLabel = (id: string) => numbered(clients, id, 'client');
  const label = (text: string) => text.replace(UUID, (id) => numbered(labels, id, 'id'));
  // Times of this request become <now>; dates of today, <today>; other values are the data's own.
  const stable = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => stable(v));
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => k !== 'txid')
          .map(([k, v]) => [k, stable(v, k)]),
      );
    if (typeof value !== 'string') return value;
    if ((key === 'signature' || key === 'signature_kid') && value) return `<${key}>`;
    if (key?.includes('client')) return clientLabel(value);
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) {
      const at = Date.parse(value);
      if (Math.abs(at - startedAt) < 3_600_000) return '<now>';
    }
    if (value === today) return '<today>';
    let text = value.replace(/sha-256:[0-9a-f]{64}/g, '<digest>');
    for (const s of secrets) text = text.split(s).join('<secret>');
    return text;
  };
  // A signature and its key id, wherever they appear (the history's note names the key).
  for (const row of after.get('transfer') ?? []) {
    const { signature, signature_kid } = JSON.parse(row) as Record<string, string | null>;
    for (const s of [signature, signature_kid]) if (s) secrets.add(s);
  }
  const dump: Record<string, { added: unknown[]; removed: unknown[] }> = {};
  // Serial tables first, in id order, so ids are numbered in the order the feed and the trail saw them.
  const names = [...after.keys()].sort(
    (a, b) =>
      (SERIAL.includes(a) ? SERIAL.indexOf(a) : 99) - (SERIAL.includes(b) ? SERIAL.indexOf(b) : 99) ||
      a.localeCompare(b),
  );
  for (const name of names) {
    const was = new Set(before.get(name) ?? []);
    const now = new Set(after.get(name) ?? []);
    const parse = (rows: string[]) => {
      const parsed = rows.map((r) => JSON.parse(r) as Record<string, unknown>);
      if (SERIAL.includes(name)) parsed.sort((a, b) => Number(a.id) - Number(b.id));
      return parsed.map(({ id, ...row }) => (SERIAL.includes(name) ? row : { id, ...row }));
    };
    const order = (rows: Record<string, unknown>[]) => {
      const normal = rows.map((r) => JSON.stringify(stable(r)));
      // Without a serial id: ordered by their content, ids not yet numbered left out of the key.
      const keyed = normal.map((text, i) => ({
        key: SERIAL.includes(name) ? i : text.replace(UUID, (id) => labels.get(id) ?? '<?>'),
        text,
      }));
      if (!SERIAL.includes(name)) keyed.sort((a, b) => String(a.key).localeCompare(String(b.key)));
      return keyed.map(({ text }) => JSON.parse(label(text)) as unknown);
    };
    const added = order(parse([...now].filter((r) => !was.has(r))));
    const removed = order(parse([...was].filter((r) => !now.has(r))));
    if (added.length || removed.length) dump[name] = { added, removed };
  }
  // And the answer, made stable the same way.
  const body = JSON.parse(response.body) as unknown;
  const answer = JSON.parse(label(JSON.stringify(stable(body)))) as unknown;
  return { response, dump: `${JSON.stringify({ answer, rows: dump }, null, 1)}\n` };
}
