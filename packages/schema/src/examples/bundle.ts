/**
 * An example transfer bundle: Northbridge sends a learner and their PEP to Eastmere. The digest is
 * written out so the example is plain data; a test proves it matches the content.
 */
import type { TransferBundle } from '../transfer/bundle.js';
import { englandLearner, englandPlan, exampleAuthorities, exampleLearnerIds } from './valid.js';

const meta = {
  version: 3,
  createdAt: '2025-09-02T08:30:00.000Z',
  updatedAt: '2026-01-05T09:58:12.000Z',
  recordedBy: { organisationId: '5c1d9e7a-3b2f-4a6e-8d0c-1f9e2b7a4c33' },
};

export const exampleBundle = {
  manifest: {
    bundleId: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
    sender: exampleAuthorities.england,
    recipient: { scheme: 'la-code', code: '991', name: 'Eastmere County Council' },
    learnerId: exampleLearnerIds.england,
    reason: 'responsibility-moves',
    note: 'Long-term placement in Eastmere from January.',
    createdAt: '2026-01-05T10:00:00.000Z',
    schemaVersion: '0.1.0',
    contentDigest: 'sha-256:6a01980c9fd05785599c7822b344cd3452f04fbb794355420b907c8b37b25024',
  },
  content: {
    learner: { id: exampleLearnerIds.england, meta, ...englandLearner },
    plans: [{ id: '7d2e4f10-8a3b-4c5d-9e6f-0a1b2c3d4e5f', meta: { ...meta, version: 2 }, ...englandPlan }],
    meetings: [],
    transitions: [],
  },
} as unknown as TransferBundle;
