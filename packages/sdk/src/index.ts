/**
 * @celr/sdk: a typed client of the CELR API. Runs wherever `fetch` does (Node.js 20+, browsers,
 * workers): this entry imports nothing from Node.js.
 */
export {
  type ClientCredentials,
  ClientCredentialsTokenSource,
  StaticTokenSource,
  type TokenSource,
} from './auth.js';
export {
  type CallOptions,
  CelrClient,
  type CelrClientOptions,
  type CelrMethod,
  createCelrClient,
  type DataOf,
  type IdentifierRef,
  type ItemOf,
  type ListPath,
  ON_BEHALF_OF_HEADER,
  type PageOf,
  type UpdateOptions,
  unwrap,
  type WriteOptions,
} from './client.js';
export {
  CelrProblemError,
  CLIENT_NETWORK,
  CLIENT_VALIDATION,
  isCelrProblem,
  type ProblemDocument,
  type ProblemIssue,
} from './errors.js';
export { etagOf } from './etag.js';
export type { components, operations, paths } from './generated/api.js';
export {
  COLLECTIONS,
  type InputOf,
  isRecordKind,
  type Learner,
  type LearnerInput,
  type ListQueryOf,
  type Meeting,
  type MeetingInput,
  type PatchOf,
  type Plan,
  type PlanInput,
  RECORD_KINDS,
  type RecordKind,
  type RecordOf,
  type RecordTypes,
  type Transition,
  type TransitionInput,
  toInput,
} from './records.js';
export {
  backoffDelay,
  DEFAULT_RETRY,
  type FetchLike,
  parseRetryAfter,
  type RetryEvent,
  type RetryOptions,
  type RetryPolicy,
} from './retry.js';
export {
  type CelrWebhookEvent,
  type VerifyOptions,
  verifyWebhook,
  type WebhookHeaders,
  WebhookVerificationError,
} from './webhooks.js';
