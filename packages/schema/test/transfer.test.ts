import { describe, expect, it } from 'vitest';
import {
  bundleDigest,
  convertLearner,
  englandLearner,
  englandPlan,
  exampleAuthorities,
  scotlandLearner,
  validate,
  validateBundle,
  verifyBundleDigest,
} from '../src/index.js';

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const TODAY = '2026-11-24';

describe('moving a learner between England and Scotland', () => {
  it('maps codes with a counterpart and keeps the rest for review, losing nothing', () => {
    const { value, mapped, review } = convertLearner(json(englandLearner), 'scotland', TODAY);
    value.responsibleAuthority = exampleAuthorities.scotland;
    expect(validate('learner', value, { today: TODAY }).issues).toEqual([]);
    expect(mapped).toEqual(
      expect.arrayContaining([
        { pointer: '/enrolment/yearGroup', from: '8', to: 'S2', list: 'scotland-stage' },
        { pointer: '/additionalNeeds/status', from: 'K', to: 'asn-no-plan', list: 'scotland-asn-status' },
        {
          pointer: '/exclusions/0/type',
          from: 'SUSP',
          to: 'temporary-exclusion',
          list: 'scotland-exclusion-type',
        },
        {
          pointer: '/contacts/1/role',
          from: 'designated-teacher',
          to: 'designated-manager',
          list: 'contact-role',
        },
      ]),
    );
    // SSDA903 legal statuses and placement types have no Scottish counterpart: kept, with their labels.
    expect(review.map((r) => [r.pointer, r.value, r.list])).toEqual([
      ['/careStatus/legalStatus', 'C2', 'england-legal-status'],
      ['/careStatus/placementType', 'U4', 'england-placement-type'],
    ]);
    expect(review[0]!.label).toMatch(/care order/i);
    expect(value.review).toEqual(review);
    expect((value.careStatus as Record<string, unknown>).legalStatus).toBeUndefined();
  });

  it('sets aside the smallest enclosing part when the field itself is required', () => {
    const scottish = json(scotlandLearner);
    const { value, review } = convertLearner(scottish, 'england', TODAY);
    value.responsibleAuthority = exampleAuthorities.england;
    expect(validate('learner', value, { today: TODAY }).issues).toEqual([]);
    // 'asn-with-csp' has no SEN counterpart, and `status` is required, so the whole object waits for review.
    const needs = review.find((r) => r.pointer === '/additionalNeeds');
    expect(needs?.value).toEqual(scottish.additionalNeeds);
    expect(value.additionalNeeds).toBeUndefined();
    expect((value.enrolment as { yearGroup: string }).yearGroup).toBe('10');
  });

  it('changes nothing within one nation', () => {
    const { value, mapped, review } = convertLearner(json(englandLearner), 'england', TODAY);
    expect(value).toEqual(json(englandLearner));
    expect([mapped, review]).toEqual([[], []]);
  });
});

describe('transfer bundles', () => {
  const learnerId = '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10';
  const meta = {
    version: 1,
    createdAt: '2025-09-30T09:12:44.120Z',
    updatedAt: '2025-09-30T09:12:44.120Z',
    recordedBy: { organisationId: '5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33' },
  };
  const content = {
    learner: { id: learnerId, meta, ...json(englandLearner) },
    plans: [{ id: '7d2e4f10-8a3b-4c5d-9e6f-0a1b2c3d4e5f', meta, ...json(englandPlan), learnerId }],
    meetings: [],
    transitions: [],
  };
  const bundle = async () => ({
    manifest: {
      bundleId: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
      sender: exampleAuthorities.england,
      recipient: { scheme: 'la-code', code: '991' },
      learnerId,
      reason: 'responsibility-moves',
      createdAt: '2026-01-05T10:00:00Z',
      schemaVersion: '0.1.0',
      contentDigest: await bundleDigest(content),
    },
    content: json(content),
  });

  it('validates offline and proves its content with its digest', async () => {
    const b = await bundle();
    expect(validateBundle(b, { today: TODAY })).toEqual([]);
    expect(await verifyBundleDigest(b as never)).toBeUndefined();
  });

  it('digests canonical JSON, so key order does not matter but any change does', async () => {
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const reordered = reversed(content);
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(content));
    expect(await bundleDigest(reordered)).toBe(await bundleDigest(content));
    const b = await bundle();
    (b.content.plans[0] as Record<string, unknown>).status = 'completed';
    expect(await verifyBundleDigest(b as never)).toMatchObject({
      pointer: '/manifest/contentDigest',
      rule: 'digest-mismatch',
    });
  });

  it('names each invalid record by its place in the bundle', async () => {
    const b = await bundle();
    (b.content.plans[0] as Record<string, unknown>).type = 'csp';
    (b.content.plans[0] as Record<string, unknown>).learnerId = '00000000-0000-4000-8000-000000000000';
    const issues = validateBundle(b, { today: TODAY });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/content/plans/0/type', rule: 'code-list' }),
        expect.objectContaining({ pointer: '/content/plans/0/learnerId', rule: 'bundle-learner' }),
      ]),
    );
    expect(validateBundle({ manifest: {}, content: 'x' }).map((i) => i.pointer)).toContain('/content');
  });
});

describe('the example bundle', () => {
  it('is valid and its written-out digest matches its content', async () => {
    const { exampleBundle } = await import('../src/index.js');
    expect(validateBundle(json(exampleBundle), { today: TODAY })).toEqual([]);
    expect(await verifyBundleDigest(exampleBundle)).toBeUndefined();
  });
});
