/**
 * Unique Pupil Number (England). Format and check letter as published by the DfE
 * (UK Government Data Standards Catalogue, "Unique Pupil Number" v2.0, and the
 * school census validation rule 1510).
 *
 * Position 1 is a check letter; positions 2-13 are digits, except that a temporary
 * UPN ends in a letter. The check letter is the sum of each character's value times
 * its position (2..13), modulo 23, mapped to the 23 letters without I, O and S.
 */
export const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

export const UPN_PATTERN = '^[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]$';
const upnPattern = new RegExp(UPN_PATTERN);

/** The check letter the DfE algorithm gives for the last twelve characters of a UPN. */
export function upnCheckLetter(upn: string): string {
  let sum = 0;
  for (let position = 2; position <= 13; position++) {
    const char = upn.charAt(position - 1);
    const value = position === 13 && !/[0-9]/.test(char) ? UPN_LETTERS.indexOf(char) : Number(char);
    sum += value * position;
  }
  return UPN_LETTERS.charAt(sum % 23);
}

export type UpnProblem = 'format' | 'check-letter';

/** Why a UPN is not valid, or undefined when it is. */
export function checkUpn(upn: string): UpnProblem | undefined {
  if (!upnPattern.test(upn)) return 'format';
  return upnCheckLetter(upn) === upn.charAt(0) ? undefined : 'check-letter';
}

/**
 * Why a UPN fails the check letter, naming the letter the other twelve characters give. It does not
 * tell anyone to change the first letter: a mistyped digit gives this error as often, and a UPN
 * "fixed" that way would name another child.
 */
export function upnCheckLetterMessage(upn: string): string {
  return `'${upn}' fails the DfE UPN check: the check letter of its last twelve characters is '${upnCheckLetter(upn)}', but it starts with '${upn.charAt(0)}'. Check the whole UPN against the pupil's record: a mistyped digit changes the check letter too.`;
}

export function isTemporaryUpn(upn: string): boolean {
  return upnPattern.test(upn) && !/[0-9]/.test(upn.charAt(12));
}
