/**
 * NHS number (England, Wales and the Isle of Man): ten digits, the last a modulus 11 check digit,
 * as the NHS Data Dictionary publishes it. The first nine digits are weighted 10..2 and summed;
 * the check digit is 11 minus the remainder of the sum divided by 11, with 11 written as 0. A
 * result of 10 has no digit, so no NHS number is ever issued with those first nine digits.
 *
 * Social care systems already hold it, and it is the leading candidate for the consistent child
 * identifier that the Children's Wellbeing and Schools Act 2026 lets regulations set. Systems
 * often print it as 3-3-4 with spaces; CELR carries the ten digits alone, so one child has one form.
 */
export const NHS_NUMBER_PATTERN = '^[0-9]{10}$';
const nhsNumberPattern = new RegExp(NHS_NUMBER_PATTERN);

export type NhsNumberProblem = 'format' | 'check-digit';

/** The check digit of the first nine digits, or undefined when they have none (remainder gives 10). */
export function nhsNumberCheckDigit(firstNine: string): string | undefined {
  let total = 0;
  for (let i = 0; i < 9; i++) total += Number(firstNine.charAt(i)) * (10 - i);
  const digit = 11 - (total % 11);
  if (digit === 10) return undefined;
  return digit === 11 ? '0' : String(digit);
}

/** Why an NHS number is not valid, or undefined when it is. */
export function checkNhsNumber(nhsNumber: string): NhsNumberProblem | undefined {
  if (!nhsNumberPattern.test(nhsNumber)) return 'format';
  return nhsNumberCheckDigit(nhsNumber) === nhsNumber.charAt(9) ? undefined : 'check-digit';
}
