import { PROBLEM_TYPES, type ProblemType, type ValidationIssue } from '@celr/schema';

// The problem types are part of the contract (clients and the conformance kit branch on them), so
// they are @celr/schema's; the API sends from that list.
export { PROBLEM_TYPES, type ProblemType, problemTypeUri } from '@celr/schema';

/** A problem to send as `application/problem+json`. Thrown from anywhere; the error handler renders it. */
export class ProblemError extends Error {
  readonly status: number;
  constructor(
    readonly type: ProblemType,
    readonly detail?: string,
    readonly extra: {
      errors?: ValidationIssue[];
      headers?: Record<string, string>;
      [k: string]: unknown;
    } = {},
  ) {
    super(detail ?? PROBLEM_TYPES[type].title);
    this.status = PROBLEM_TYPES[type].status;
  }
}

export const validationProblem = (errors: ValidationIssue[], detail?: string) =>
  new ProblemError(
    'validation',
    detail ??
      `${errors.length} field${errors.length === 1 ? '' : 's'} ${errors.length === 1 ? 'is' : 'are'} not valid.`,
    { errors },
  );

export const notFound = (what: string) => new ProblemError('not-found', `${what} was not found.`);
