/**
 * What the CTF reader could not carry, at the line of the file it is on. A `refused` problem means a
 * pupil (or, for the file's own faults, every pupil) was not converted; a `not-carried` one means the
 * pupil converted but a part of it was left out, and says which.
 */
export interface CtfProblem {
  file: string;
  line: number;
  /** The CTF element the problem is in, e.g. `UPN`, `Header/CTFversion`. */
  field: string;
  rule: string;
  message: string;
  severity: 'refused' | 'not-carried';
}

/** `file:line: FIELD rule message`, the form editors and CI logs link to. */
export const formatCtfProblem = (p: CtfProblem) => `${p.file}:${p.line}: ${p.field} ${p.rule} ${p.message}`;
