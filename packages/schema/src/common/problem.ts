import Type, { type Static } from 'typebox';

export const ValidationIssueSchema = Type.Object(
  {
    pointer: Type.String({
      maxLength: 1000,
      description: 'JSON pointer (RFC 6901) to the field, in the request body unless `in` says otherwise.',
    }),
    rule: Type.String({
      maxLength: 100,
      description:
        'The rule broken: a JSON Schema keyword or a CELR rule name. Stable; programs may act on it.',
    }),
    message: Type.String({ maxLength: 2000, description: 'What is wrong, for people.' }),
    in: Type.Optional(
      Type.Enum(['body', 'query', 'path', 'header'], {
        type: 'string',
        description: 'Where the field is; `body` when absent.',
      }),
    ),
  },
  { additionalProperties: false, description: 'One field that breaks one rule.' },
);

/** RFC 9457 problem details, with CELR's `errors` extension for field-level validation issues. */
export const Problem = Type.Object(
  {
    type: Type.String({
      maxLength: 200,
      format: 'uri',
      description: 'A URI that identifies the kind of problem; stable, and documented at that address.',
    }),
    title: Type.String({ maxLength: 200, description: 'Short summary of the kind of problem.' }),
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code.' }),
    detail: Type.Optional(Type.String({ maxLength: 4000, description: 'What went wrong this time.' })),
    instance: Type.Optional(Type.String({ maxLength: 2000, description: 'The request path.' })),
    requestId: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'The request id, also in the `X-Request-Id` header; quote it when asking for help.',
      }),
    ),
    errors: Type.Optional(
      Type.Array(ValidationIssueSchema, {
        maxItems: 1000,
        description: 'Every field that is wrong, for validation problems.',
      }),
    ),
  },
  {
    additionalProperties: true,
    title: 'Problem',
    description: 'An error, as RFC 9457 problem details (`application/problem+json`).',
  },
);
export type Problem = Static<typeof Problem>;
