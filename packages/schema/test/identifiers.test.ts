import { describe, expect, it } from 'vitest';
import {
  checkNhsNumber,
  checkUln,
  checkUpn,
  englandLearner,
  isTemporaryUpn,
  nhsNumberCheckDigit,
  upnCheckLetter,
  validate,
} from '../src/index.js';

describe('UPN check letter (DfE algorithm)', () => {
  // python-stdnum's documentation gives B801200005001 as valid and A801200005001 as invalid. A
  // widely copied MIS help page corrects B207000016049 to Q207000016049, but its own sum is off by
  // one: 2x2 + 4x7 + 9x1 + 10x6 + 12x4 + 13x9 = 266, 266 mod 23 = 13, which is P.
  it.each([
    'P207000016049',
    'B801200005001',
    'C990123424001',
    'R990123424002',
    'L990123425017',
    'H990456721003',
  ])('accepts %s', (upn) => expect(checkUpn(upn)).toBeUndefined());
  it.each(['B207000016049', 'Q207000016049', 'A801200005001', 'A990123424001', 'Z990123424002'])(
    'rejects the wrong letter in %s',
    (upn) => expect(checkUpn(upn)).toBe('check-letter'),
  );
  it('computes the letter from the other twelve characters', () => {
    expect(upnCheckLetter('?207000016049')).toBe('P');
    expect(upnCheckLetter('?801200005001')).toBe('B');
  });
  it('handles temporary UPNs, whose last character is a letter valued like the check letters', () => {
    expect(checkUpn('Q99045672100A')).toBeUndefined();
    expect(isTemporaryUpn('Q99045672100A')).toBe(true);
    expect(isTemporaryUpn('P207000016049')).toBe(false);
  });
  it.each([
    '',
    'P20700001604',
    'P2070000160491',
    'I207000016049',
    'O207000016049',
    'S207000016049',
    'p207000016049',
    'P2070X0016049',
    'P20700001604I',
  ])('rejects the format of %j', (upn) => expect(checkUpn(upn)).toBe('format'));
  it('every single-character change of a valid UPN is caught', () => {
    const upn = 'P207000016049';
    for (let i = 1; i < 12; i++) {
      for (const d of '0123456789') {
        if (d === upn[i]) continue;
        const changed = upn.slice(0, i) + d + upn.slice(i + 1);
        expect(checkUpn(changed), changed).toBe('check-letter');
      }
    }
  });
});

describe('messages people act on', () => {
  it('a wrong UPN check letter names the letter the rest of the UPN gives', () => {
    const result = validate('learner', {
      ...englandLearner,
      identifiers: [{ system: 'upn', value: 'A990123424001' }],
    });
    expect(result.ok).toBe(false);
    const issue = result.ok ? undefined : result.issues.find((i) => i.rule === 'upn-check-letter');
    expect(issue).toMatchObject({ pointer: '/identifiers/0/value' });
    expect(issue?.message).toMatch(
      /check letter of its last twelve characters is 'C', but it starts with 'A'/,
    );
  });

  it('a date in the wrong format says how to write it', () => {
    const result = validate('learner', { ...englandLearner, dateOfBirth: '01/09/2013' });
    const issue = !result.ok && result.issues.find((i) => i.pointer === '/dateOfBirth');
    expect(issue).toEqual({
      pointer: '/dateOfBirth',
      rule: 'format',
      message: "'01/09/2013' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.",
    });
    const impossible = validate('learner', { ...englandLearner, dateOfBirth: '2013-02-30' });
    expect(!impossible.ok && impossible.issues.map((i) => i.message)).toContain(
      "'2013-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01.",
    );
  });
});

describe('ULN check digit', () => {
  it.each(['1234567899', '5123456782', '7000123450'])('accepts %s', (uln) =>
    expect(checkUln(uln)).toBeUndefined(),
  );
  it.each(['1234567890', '5123456781'])('rejects %s', (uln) => expect(checkUln(uln)).toBe('check-digit'));
  it('rejects the ILR placeholder and bad formats', () => {
    expect(checkUln('9999999999')).toBe('placeholder');
    expect(checkUln('0123456789')).toBe('format');
    expect(checkUln('12345')).toBe('format');
  });
});

describe('NHS number check digit (modulus 11)', () => {
  // 943 476 5919 is the example the NHS Data Dictionary uses; the 999 range is kept for testing.
  it.each(['9434765919', '9990000018', '9990000026', '9990000050', '9991234578'])('accepts %s', (nhs) =>
    expect(checkNhsNumber(nhs)).toBeUndefined(),
  );
  it('writes a check of 11 as 0', () => {
    expect(nhsNumberCheckDigit('999000005')).toBe('0');
  });
  it('rejects a wrong last digit', () => {
    expect(checkNhsNumber('9434765918')).toBe('check-digit');
    expect(checkNhsNumber('9990000019')).toBe('check-digit');
  });
  it('rejects every number whose first nine digits give a check of 10', () => {
    expect(nhsNumberCheckDigit('999000000')).toBeUndefined();
    expect(nhsNumberCheckDigit('999123456')).toBeUndefined();
    for (const last of '0123456789') {
      expect(checkNhsNumber(`999000000${last}`)).toBe('check-digit');
      expect(checkNhsNumber(`999123456${last}`)).toBe('check-digit');
    }
  });
  it.each(['', '943476591', '94347659190', '943 476 5919', '943-476-5919', '943476591X'])(
    'rejects the format of %j',
    (nhs) => expect(checkNhsNumber(nhs)).toBe('format'),
  );
  it('every single-digit change of a valid number is caught', () => {
    const nhs = '9434765919';
    for (let i = 0; i < 10; i++) {
      for (const d of '0123456789') {
        if (d === nhs[i]) continue;
        const changed = nhs.slice(0, i) + d + nhs.slice(i + 1);
        expect(checkNhsNumber(changed), changed).toBe('check-digit');
      }
    }
  });
});

describe('nhs-number identifiers of a learner', () => {
  const learner = (value: string) => ({
    ...englandLearner,
    identifiers: [{ system: 'nhs-number', value }],
  });
  it('accepts a valid NHS number', () => {
    expect(validate('learner', learner('9434765919')).ok).toBe(true);
  });
  it('names the rule and the value when the check digit is wrong', () => {
    const result = validate('learner', learner('9434765918'));
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toContainEqual(
      expect.objectContaining({ pointer: '/identifiers/0/value', rule: 'nhs-number-check-digit' }),
    );
    expect(JSON.stringify(result)).toContain('9434765918');
  });
  it('refuses an NHS number written with spaces by its pattern', () => {
    const result = validate('learner', learner('943 476 5919'));
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toContain('/identifiers/0/value');
  });
});
