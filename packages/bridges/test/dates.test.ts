import { describe, expect, it } from 'vitest';
import { formatUkDate, parseUkDate } from '../src/index.js';

describe('dates of the DfE returns', () => {
  it('reads dd/mm/yyyy as an ISO date', () => {
    expect(parseUkDate('01/09/2024')).toBe('2024-09-01');
    expect(parseUkDate(' 29/02/2024 ')).toBe('2024-02-29');
  });

  it('refuses dates that do not exist and other forms', () => {
    for (const bad of [
      '29/02/2023',
      '31/04/2024',
      '00/01/2024',
      '01/13/2024',
      '1/9/2024',
      '01/09/24',
      '2024-09-01',
      '',
    ])
      expect(parseUkDate(bad), bad).toBeUndefined();
  });

  it('writes an ISO date back as dd/mm/yyyy', () => {
    expect(formatUkDate('2024-09-01')).toBe('01/09/2024');
    expect(parseUkDate(formatUkDate('2025-12-31'))).toBe('2025-12-31');
  });
});
