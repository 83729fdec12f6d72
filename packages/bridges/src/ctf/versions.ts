/**
 * The CTF versions this reader knows. The DfE publishes a Common Transfer File specification for
 * each school year (CTF 23 for 2023/24 up to CTF 26 for 2026/27, written `25.0` and so on in
 * `Header/CTFversion`); the elements read here (the pupil's UPN, names and DOB, LookedAfter,
 * SENhistory, Attendance/YearData, StageAssessments and SchoolHistory) keep their names and places
 * across them. A version outside the list may have moved them, so its file is refused whole rather
 * than read by guesswork; add a version here once its specification has been checked.
 */
export const KNOWN_CTF_VERSIONS = ['23', '24', '25', '26'] as const;

/** The major version of a `CTFversion` value (`25.0` → `25`) when it is one this reader knows. */
export function knownCtfVersion(value: string | undefined): string | undefined {
  const major = /^(\d+)(\.\d+)?$/.exec(value ?? '')?.[1];
  return (KNOWN_CTF_VERSIONS as readonly string[]).includes(major ?? '') ? major : undefined;
}
