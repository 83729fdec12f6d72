/**
 * Why a row of a return was refused, at the CSV's own line. `rule` is the DfE validation rule
 * number where the DfE publishes one (e.g. `146`), otherwise a CELR name (e.g. `no-header`).
 */
export interface Ssda903Problem {
  file: string;
  line: number;
  field: string;
  rule: string;
  message: string;
}

/** `file:line: FIELD rule message`, the form editors and CI logs link to. */
export const formatProblem = (p: Ssda903Problem) => `${p.file}:${p.line}: ${p.field} ${p.rule} ${p.message}`;
