import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CodeListId,
  type CodeOf,
  codeLists,
  codesOf,
  type englandLegalStatus,
  findDescriptor,
  jurisdictionListIds,
} from '../src/code-lists/index.js';

const lists = Object.values(codeLists);

describe('code lists', () => {
  it.each(lists)('$id is keyed by its own id', (list) => {
    expect(codeLists[list.id as CodeListId]).toBe(list);
  });

  it.each(lists)('$id has unique, labelled codes', (list) => {
    const codes = list.codes.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const descriptor of list.codes) expect(descriptor.label.trim()).not.toBe('');
  });

  it.each(lists)('$id cites a published source', (list) => {
    expect(list.source.url).toMatch(/^https:\/\//);
    expect(list.source.title).not.toBe('');
    expect(list.source.edition).not.toBe('');
  });

  it.each(lists)('$id gives every code the jurisdiction of a single-nation list', (list) => {
    if (list.jurisdiction === 'all') return;
    for (const descriptor of list.codes) expect(descriptor.jurisdiction).toBe(list.jurisdiction);
  });

  it.each(lists)('$id is frozen', (list) => {
    expect(Object.isFrozen(list)).toBe(true);
    expect(Object.isFrozen(list.codes)).toBe(true);
    expect(list.codes.every((d) => Object.isFrozen(d))).toBe(true);
  });
});

describe('codesOf', () => {
  it('returns the codes in published order, including retired ones by default', () => {
    expect(codesOf('england-sen-provision')).toEqual(['N', 'K', 'E', 'S', 'A', 'P']);
    expect(codesOf('england-sen-provision', { includeRetired: false })).toEqual(['N', 'K', 'E']);
  });

  it('returns the same frozen tuple on every call', () => {
    const first = codesOf('england-legal-status');
    expect(codesOf('england-legal-status')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('names an unknown list in its error', () => {
    expect(() => codesOf('no-such-list' as CodeListId)).toThrow(/no-such-list/);
  });

  it('keeps codes as literal types', () => {
    expectTypeOf(codesOf('scotland-stage')[0]).toEqualTypeOf<CodeOf<'scotland-stage'>>();
    expectTypeOf<(typeof englandLegalStatus.codes)[number]['code']>().toEqualTypeOf<
      'C1' | 'C2' | 'D1' | 'E1' | 'J1' | 'J2' | 'J3' | 'L1' | 'L2' | 'L3' | 'V2' | 'V3' | 'V4'
    >();
  });
});

describe('findDescriptor', () => {
  it('finds a code exactly', () => {
    expect(findDescriptor('england-legal-status', 'C2')?.label).toBe('Full care order');
    expect(findDescriptor('england-legal-status', 'c2')).toBeUndefined();
    expect(findDescriptor('scotland-stage', 'S7')).toBeUndefined();
  });

  it('reports retired codes as retired', () => {
    expect(findDescriptor('england-reason-episode-ceased', 'E43')?.retired).toBe(true);
  });
});

describe('jurisdictionListIds', () => {
  it('points each nation at a list of that nation', () => {
    for (const field of Object.values(jurisdictionListIds)) {
      for (const [jurisdiction, listId] of Object.entries(field)) {
        if (listId === null) continue;
        expect(codeLists[listId].jurisdiction).toBe(jurisdiction);
      }
    }
  });
});
