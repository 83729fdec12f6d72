/**
 * Unique Learner Number (England, learners aged 14 and over): ten digits, the last a
 * check digit. The Learning Records Service weights the first nine digits 10..2 and
 * takes the sum modulo 11; a remainder of 0 means the number is invalid, otherwise
 * the check digit is 10 minus the remainder. 9999999999 is the ILR's placeholder for
 * "not yet known", so it never identifies a learner.
 */
export const ULN_PATTERN = '^[1-9][0-9]{9}$';
const ulnPattern = new RegExp(ULN_PATTERN);
export const TEMPORARY_ULN = '9999999999';

export type UlnProblem = 'format' | 'check-digit' | 'placeholder';

export function checkUln(uln: string): UlnProblem | undefined {
  if (!ulnPattern.test(uln)) return 'format';
  if (uln === TEMPORARY_ULN) return 'placeholder';
  let total = 0;
  for (let i = 0; i < 9; i++) total += Number(uln.charAt(i)) * (10 - i);
  const remainder = total % 11;
  if (remainder === 0) return 'check-digit';
  return String(10 - remainder) === uln.charAt(9) ? undefined : 'check-digit';
}
