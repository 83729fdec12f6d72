import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Alert, englandLearner, englandMeeting, englandPlan, englandTransition } from '@celr/schema';
import { verifyWebhook } from '@celr/sdk';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertSweep } from '../src/alerts/sweep.js';
import { WebhookWorker } from '../src/webhooks/worker.js';
import { startTestApi, type TestApi } from './support/api.js';

/**
 * Alerts (issue 16): raised once, by the record write (exclusions, attendance) or by the sweep
 * (deadlines), seen in the change feed and by webhooks only by those who may see the learner.
 * England's default policy (DfE 2018): a PEP within 10 working days of entering care, ready at 20,
 * a review within 10 working days of a school move. Dates are counted by hand in the comments.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api?.close());

type Org = 'northbridge' | 'eastmere' | 'school';
type Entry = {
  change: string;
  recordKind: string;
  recordId: string;
  learnerId: string;
  version?: number;
  alert?: { id: string; kind: string };
};

/** A Northbridge learner with no host authority and no school, so only Northbridge sees them. */
async function newLearner(fields: Record<string, unknown> = {}) {
  const { enrolment: _e, hostAuthority: _h, attendance: _a, exclusions: _x, ...rest } = englandLearner;
  const payload = { ...rest, identifiers: [], ...fields };
  const res = await api.as('northbridge', { method: 'POST', url: '/v1/learners', payload });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, payload };
}
async function replaceLearner(id: string, version: number, payload: object) {
  const res = await api.as('northbridge', {
    method: 'PUT',
    url: `/v1/learners/${id}`,
    payload,
    headers: { 'if-match': `"v${version}"` },
  });
  expect(res.statusCode, res.body).toBe(200);
}
async function create(url: string, payload: object) {
  const res = await api.as('northbridge', { method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}
/** A PEP in force from `start`. */
const pep = (learnerId: string, start: string) =>
  create('/v1/plans', {
    ...englandPlan,
    learnerId,
    period: { start },
    reviewDue: '2026-07-01',
    qualityAssurance: { ...englandPlan.qualityAssurance, reviewedOn: start },
    signOff: { ...englandPlan.signOff, signedOffOn: start },
  });
/** A PEP meeting held at `at`. */
const review = (learnerId: string, at: string) =>
  create('/v1/meetings', { ...englandMeeting, learnerId, scheduledFor: at, nextMeetingDue: '2026-07-01' });
async function alertsOf(org: Org, learnerId: string): Promise<Alert[]> {
  const res = await api.as(org, { method: 'GET', url: `/v1/alerts?learner=${learnerId}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}
async function feed(org: Org, alerts: boolean): Promise<Entry[]> {
  const res = await api.as(org, { method: 'GET', url: `/v1/changes?limit=1000&alerts=${alerts}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}
const alertEntries = (items: Entry[], learnerId: string) =>
  items.filter((e) => e.change === 'alert' && e.learnerId === learnerId);
/**
 * The learner's alert entries in an organisation's feed, once there are at least `n`. On PostgreSQL
 * the feed stops short of every transaction still running on the server (other databases' too), so
 * an entry can take a moment to appear; once it has, an empty feed elsewhere means something.
 */
async function alertFeed(org: Org, learnerId: string, n: number): Promise<Entry[]> {
  const until = Date.now() + 60_000;
  for (;;) {
    const entries = alertEntries(await feed(org, true), learnerId);
    if (entries.length >= n || Date.now() > until) return entries;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SUSPENSION = { type: 'SUSP', startDate: '2026-01-12', sessions: 2, reason: 'Disruptive behaviour' };
/** Attendance over the autumn term: 140 possible sessions. */
const attended = (n: number) => ({
  period: { start: '2025-09-03', end: '2025-12-19' },
  possibleSessions: 140,
  attendedSessions: n,
  authorisedAbsenceSessions: 140 - n,
  unauthorisedAbsenceSessions: 0,
});

describe('alerts raised by record writes', () => {
  it('a suspension recorded raises one alert, however often the record is written again', async () => {
    const { id, payload } = await newLearner({ exclusions: [SUSPENSION] });
    let alerts = await alertsOf('northbridge', id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toEqual({
      id: expect.any(String),
      kind: 'exclusion-recorded',
      learnerId: id,
      record: { kind: 'learner', id, version: 1 },
      exclusion: { type: 'SUSP', startDate: '2026-01-12', sessions: 2 },
      raisedAt: expect.any(String),
    });
    expect(Value.Check(Alert, alerts[0])).toBe(true);
    // Written again with another change, then with the suspension itself corrected: still one.
    await replaceLearner(id, 1, { ...payload, dateOfBirth: '2013-05-15' });
    await replaceLearner(id, 2, { ...payload, exclusions: [{ ...SUSPENSION, sessions: 4 }] });
    expect(await alertsOf('northbridge', id)).toHaveLength(1);
    // A second suspension is a second alert, raised by the version that recorded it.
    const second = { type: 'SUSP', startDate: '2026-02-02' };
    await replaceLearner(id, 3, { ...payload, exclusions: [{ ...SUSPENSION, sessions: 4 }, second] });
    alerts = await alertsOf('northbridge', id);
    expect(alerts.map((a) => [a.kind, a.record.version, a.exclusion?.startDate])).toEqual([
      ['exclusion-recorded', 1, '2026-01-12'],
      ['exclusion-recorded', 4, '2026-02-02'],
    ]);
    // The feed lists each once, naming the record and the version that raised it, when asked to.
    const entries = await alertFeed('northbridge', id, 2);
    expect(entries).toEqual(
      alerts.map((a) => ({
        change: 'alert',
        recordKind: 'learner',
        recordId: id,
        learnerId: id,
        version: a.record.version,
        alert: { id: a.id, kind: 'exclusion-recorded' },
        at: expect.any(String),
      })),
    );
    // A reader that does not ask for alerts reads the feed it always did.
    expect((await feed('northbridge', false)).filter((e) => e.change === 'alert')).toEqual([]);
  });

  it('attendance exactly at the 90 % threshold raises nothing; below it, one alert', async () => {
    // 126 of 140 sessions is exactly 90 %.
    const at = await newLearner({ attendance: [attended(126)] });
    expect(await alertsOf('northbridge', at.id)).toEqual([]);
    // 125 of 140 is 89.28... %: shown as 89.2 (rounded down, never up to the threshold).
    const below = await newLearner({ attendance: [attended(125)] });
    const alerts = await alertsOf('northbridge', below.id);
    expect(alerts.map((a) => [a.kind, a.attendance])).toEqual([
      [
        'attendance-below-threshold',
        {
          period: { start: '2025-09-03', end: '2025-12-19' },
          attendedSessions: 125,
          possibleSessions: 140,
          percentage: 89.2,
          threshold: 90,
        },
      ],
    ]);
    // The same period written again, even lower: not raised again.
    await replaceLearner(below.id, 1, { ...below.payload, attendance: [attended(100)] });
    expect(await alertsOf('northbridge', below.id)).toHaveLength(1);
    // Raised once in the feed too.
    expect(await alertFeed('northbridge', below.id, 1)).toHaveLength(1);
  });

  it('are seen only by organisations that can see the learner', async () => {
    const { id } = await newLearner({ exclusions: [SUSPENSION], attendance: [attended(10)] });
    const [alert] = await alertsOf('northbridge', id);
    expect(alert).toBeDefined();
    expect(await alertFeed('northbridge', id, 2)).toHaveLength(2);
    for (const org of ['eastmere', 'school'] as const) {
      expect(alertEntries(await feed(org, true), id)).toEqual([]);
      expect(await alertsOf(org, id)).toEqual([]);
      const one = await api.as(org, { method: 'GET', url: `/v1/alerts/${alert!.id}` });
      expect(one.statusCode).toBe(404);
    }
    const one = await api.as('northbridge', { method: 'GET', url: `/v1/alerts/${alert!.id}` });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toEqual(alert);
  });

  it('filters the list by kind and time, and refuses a bad filter with a problem', async () => {
    const { id } = await newLearner({ exclusions: [SUSPENSION], attendance: [attended(10)] });
    const kinds = async (query: string) =>
      (await api.as('northbridge', { method: 'GET', url: `/v1/alerts?learner=${id}&${query}` }))
        .json()
        .items.map((a: Alert) => a.kind);
    expect((await kinds('')).sort()).toEqual(['attendance-below-threshold', 'exclusion-recorded']);
    expect(await kinds('kind=exclusion-recorded')).toEqual(['exclusion-recorded']);
    expect(await kinds(`since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    // A read names each alert it showed, by the record that raised it, in the learner's audit trail.
    const read = await api.as('northbridge', { method: 'GET', url: `/v1/alerts?learner=${id}` });
    const events = await api.db.sql<{ action: string; record_id: string; record_version: number }>(
      'SELECT action, record_id::text, record_version FROM audit_event WHERE request_id = $1',
      [read.headers['x-request-id']],
    );
    expect(events).toEqual([
      { action: 'alert', record_id: id, record_version: 1 },
      { action: 'alert', record_id: id, record_version: 1 },
    ]);
    const bad = await api.as('northbridge', { method: 'GET', url: '/v1/alerts?kind=late' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });
});

describe('alerts raised by the sweep', () => {
  /** A sweep whose clock says it is midday on `date`. */
  const sweepOn = (date: string) => new AlertSweep(api.db, { now: () => new Date(`${date}T12:00:00Z`) });
  const deadlineAlerts = async (learnerId: string) =>
    (await alertsOf('northbridge', learnerId)).map((a) => [
      a.kind,
      a.record.kind,
      a.deadline?.deadline,
      a.deadline?.dueOn,
      a.deadline?.asOf,
    ]);

  it('raise pep-overdue the day after the due date, not on it, and once', async () => {
    // In care from Monday 2 March 2026 with no PEP: in place by 16 March, ready by 30 March.
    const { id } = await newLearner({ careStatus: { ...englandLearner.careStatus, since: '2026-03-02' } });
    await sweepOn('2026-03-16').sweep();
    expect(await deadlineAlerts(id)).toEqual([]);
    await sweepOn('2026-03-17').sweep();
    await sweepOn('2026-03-18').sweep();
    expect(await deadlineAlerts(id)).toEqual([
      ['pep-overdue', 'learner', 'plan-in-place', '2026-03-16', '2026-03-17'],
    ]);
    await sweepOn('2026-03-31').sweep();
    expect(await deadlineAlerts(id)).toEqual([
      ['pep-overdue', 'learner', 'plan-in-place', '2026-03-16', '2026-03-17'],
      ['pep-overdue', 'learner', 'plan-ready-for-first-review', '2026-03-30', '2026-03-31'],
    ]);
    expect(await alertFeed('northbridge', id, 2)).toHaveLength(2);
    expect(alertEntries(await feed('eastmere', true), id)).toEqual([]);
  });

  it('raise nothing for a PEP in place in time', async () => {
    const { id } = await newLearner({ careStatus: { ...englandLearner.careStatus, since: '2026-03-02' } });
    await pep(id, '2026-03-16');
    await sweepOn('2026-04-30').sweep();
    expect(await deadlineAlerts(id)).toEqual([]);
  });

  it('two sweeps at once (two API processes) raise each alert once', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(
        async () =>
          (await newLearner({ careStatus: { ...englandLearner.careStatus, since: '2026-03-02' } })).id,
      ),
    );
    const other = await api.secondProcess();
    try {
      const [a, b] = await Promise.all([
        api.app.alertSweep!.sweep('2026-03-17'),
        other.alertSweep!.sweep('2026-03-17'),
      ]);
      expect(a.raised + b.raised).toBeGreaterThanOrEqual(3);
    } finally {
      await other.close();
    }
    for (const id of ids) {
      expect(await deadlineAlerts(id)).toEqual([
        ['pep-overdue', 'learner', 'plan-in-place', '2026-03-16', '2026-03-17'],
      ]);
      expect(await alertFeed('northbridge', id, 1)).toHaveLength(1);
    }
  });

  it('raise school-move-without-review from the move, unless a PEP review follows it in time', async () => {
    // In care since January with a PEP in place; a school move completed on Monday 2 March 2026:
    // the review is due within 10 working days, by Monday 16 March.
    const moved = async () => {
      const { id } = await newLearner({ careStatus: { ...englandLearner.careStatus, since: '2026-01-05' } });
      await pep(id, '2026-01-06');
      const move = await create('/v1/transitions', {
        ...englandTransition,
        learnerId: id,
        plannedDate: '2026-03-02',
        actualDate: '2026-03-02',
      });
      return { id, move };
    };
    const reviewed = await moved();
    await review(reviewed.id, '2026-03-16T10:00:00Z');
    const notReviewed = await moved();
    await sweepOn('2026-03-16').sweep();
    expect(await deadlineAlerts(notReviewed.id)).toEqual([]);
    await sweepOn('2026-03-17').sweep();
    expect(await deadlineAlerts(reviewed.id)).toEqual([]);
    const [alert] = await alertsOf('northbridge', notReviewed.id);
    expect(alert).toMatchObject({
      kind: 'school-move-without-review',
      learnerId: notReviewed.id,
      record: { kind: 'transition', id: notReviewed.move, version: 1 },
      deadline: {
        deadline: 'review-after-school-move',
        clockStart: '2026-03-02',
        dueOn: '2026-03-16',
        daysLate: 1,
        daysLateUnit: 'working-days',
        policy: { id: 'england-dfe-2018', version: 1 },
      },
    });
    // A review held late does not take an alert back, nor raise another.
    await review(notReviewed.id, '2026-03-18T10:00:00Z');
    await sweepOn('2026-03-19').sweep();
    expect(await deadlineAlerts(notReviewed.id)).toHaveLength(1);
  });
});

describe('alerts by webhook', () => {
  it('are delivered to subscriptions that ask for them, and to no other', async () => {
    const received: { path: string; headers: Record<string, string>; body: string }[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '', headers: req.headers as Record<string, string>, body });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const subscribe = async (org: Org, path: string, changes?: string[]) => {
      const res = await api.as(org, {
        method: 'POST',
        url: '/v1/webhook-subscriptions',
        payload: { url: `${base}${path}`, ...(changes ? { changes } : {}) },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { secret: string };
    };
    const alerts = await subscribe('northbridge', '/alerts', ['alert']);
    await subscribe('northbridge', '/everything');
    await subscribe('eastmere', '/eastmere', ['alert']);
    const worker = new WebhookWorker(api.db, api.app.webhooks!.settings);
    try {
      const { id } = await newLearner({ exclusions: [SUSPENSION] });
      const [raised] = await alertsOf('northbridge', id);
      const got = () => received.filter((r) => r.body.includes(id));
      // As alertFeed: on PostgreSQL, deliveries wait for every older transaction on the server.
      const until = Date.now() + 60_000;
      while (got().length < 3) {
        if (Date.now() > until) throw new Error(`deliveries: ${JSON.stringify(got())}`);
        await worker.tick();
        await new Promise((r) => setTimeout(r, 50));
      }
      await worker.tick();
      const changes = (path: string) =>
        got()
          .filter((r) => r.path === path)
          .map((r) => JSON.parse(r.body).data.change)
          .sort();
      // The subscription that asked for alerts gets the alert; one with no filter gets what it always
      // did (the learner's visible and created); Eastmere, which cannot see the learner, nothing.
      expect(changes('/alerts')).toEqual(['alert']);
      expect(changes('/everything')).toEqual(['created', 'visible']);
      expect(changes('/eastmere')).toEqual([]);
      const delivery = got().find((r) => r.path === '/alerts')!;
      const event = await verifyWebhook(delivery.body, delivery.headers, alerts.secret);
      expect(event).toEqual({
        type: 'celr.change',
        timestamp: expect.any(String),
        data: {
          change: 'alert',
          recordKind: 'learner',
          recordId: id,
          learnerId: id,
          version: 1,
          alert: { id: raised!.id, kind: 'exclusion-recorded' },
        },
      });
      // Ids and the alert's kind only: nothing of the record.
      expect(delivery.body).not.toContain('SUSP');
    } finally {
      await worker.stop();
      await api.db.sql('DELETE FROM webhook_subscription', []);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
