import { describe, expect, it } from 'vitest';
import { convertSsda903 } from '../src/index.js';
import { fictionalReturn } from './support/fictional-return.js';

describe('converting a return as a stream', () => {
  it('converts 5,000 generated children, handing each record on as it is made', async () => {
    let learners = 0;
    let transitions = 0;
    const summary = await convertSsda903(fictionalReturn(5000), {
      authority: 'la-code:990',
      today: '2026-12-01',
      onRecord: (kind) => (kind === 'learner' ? learners++ : transitions++),
      onProblem: (p) => expect.fail(`${p.file}:${p.line}: ${p.message}`),
    });
    expect(summary).toMatchObject({ children: 5000, converted: 5000, refused: 0, transitions: 5000 });
    expect([learners, transitions]).toEqual([5000, 5000]);
    // Seconds on a shared machine; the bench (scripts/bench-ssda903.ts) measures the speed.
  }, 60_000);
});
