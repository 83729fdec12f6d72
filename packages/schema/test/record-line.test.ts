import { describe, expect, it } from 'vitest';
import { englandLearner, readRecordLine, recordLine } from '../src/index.js';

const learner = englandLearner as unknown as Record<string, unknown>;

describe('exchange lines', () => {
  it('reads an envelope, a record with a kind member and a bare record of a named kind alike', () => {
    const forms = [recordLine('learner', learner), JSON.stringify({ kind: 'learner', ...learner })].map(
      (text) => readRecordLine(text),
    );
    forms.push(readRecordLine(JSON.stringify(learner), 'learner'));
    for (const read of forms)
      expect(read).toEqual({ ok: true, kind: 'learner', record: learner, input: learner });
  });

  it("sets the server's id and meta aside, keeping the id as where the record came from", () => {
    const id = '0195f7e2-3c4d-7e5f-8a9b-0c1d2e3f4a5b';
    const read = readRecordLine(recordLine('learner', { id, meta: { version: 3 }, ...learner }));
    expect(read).toMatchObject({ ok: true, kind: 'learner', sourceId: id, input: learner });
    expect(read.ok && 'id' in read.input).toBe(false);
  });

  it('names the pointer and the rule of a line it cannot read', () => {
    expect(readRecordLine('{"kind":"learner",')).toMatchObject({
      ok: false,
      issue: { pointer: '', rule: 'json' },
    });
    expect(readRecordLine('[1]')).toMatchObject({ ok: false, issue: { pointer: '', rule: 'type' } });
    expect(readRecordLine('{"kind":"pupil"}')).toMatchObject({
      ok: false,
      issue: { pointer: '/kind', rule: 'kind' },
    });
    expect(readRecordLine('{"kind":"plan","record":7}')).toMatchObject({
      ok: false,
      issue: { pointer: '/record', rule: 'type' },
    });
    expect(readRecordLine(JSON.stringify(learner))).toMatchObject({
      ok: false,
      issue: { pointer: '', rule: 'kind' },
    });
  });
});
