import Type, { type Static } from 'typebox';

const Id = Type.String({ format: 'uuid', maxLength: 36 });
const Ids = (description: string) => Type.Array(Id, { maxItems: 5000, description });
const Pointer = Type.String({ maxLength: 200, description: 'Where, as a JSON pointer into the record.' });

const Outcome = (what: string) =>
  Type.Object(
    {
      created: Ids(`The ${what} created in the recipient's records.`),
      updated: Ids(`The ${what} that replaced ones an earlier import created.`),
      // The importer has always said which were already held as sent; the schema did not, so a
      // client checking the answer against it (the conformance kit does) found a member it forbids.
      unchanged: Type.Optional(
        Ids(`The ${what} the recipient already held as they were sent: nothing written.`),
      ),
    },
    { additionalProperties: false },
  );

const Move = Type.Optional(
  Type.Object(
    {
      id: Id,
      linked: Type.Boolean({ description: 'True when it is the transition the sender planned.' }),
    },
    {
      additionalProperties: false,
      description: 'The transition recording the move in the recipient’s records.',
    },
  ),
);

/** What accepting (or importing) a `responsibility-moves` transfer did: the recipient's own copy. */
export const TransferImportResult = Type.Object(
  {
    learner: Type.Object({
      id: { ...Id, description: "The learner in the recipient's records." },
      outcome: Type.Enum(['created', 'matched'], {
        type: 'string',
        description: '`matched`: the recipient already held the learner.',
      }),
      matchedBy: Type.Array(Type.String({ maxLength: 100 }), {
        maxItems: 20,
        description: 'The identifiers (or earlier import) the match was made on.',
      }),
      conflicts: Type.Array(Type.String({ maxLength: 200 }), {
        maxItems: 200,
        description: "Fields of the recipient's learner that the incoming record disagreed with.",
      }),
    }),
    plans: Outcome('plans'),
    meetings: Outcome('meetings'),
    transitions: Outcome('transitions'),
    mapped: Type.Array(
      Type.Object(
        {
          pointer: Pointer,
          from: Type.String({ maxLength: 100 }),
          to: Type.String({ maxLength: 100 }),
          list: Type.String({ maxLength: 100, description: 'The code list of the recipient’s nation.' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000, description: "Codes replaced by their counterpart in the recipient's nation." },
    ),
    review: Type.Array(
      Type.Object(
        {
          pointer: Pointer,
          value: Type.Unknown({ description: 'The value as it was sent.' }),
          list: Type.Optional(Type.String({ maxLength: 100 })),
          label: Type.Optional(Type.String({ maxLength: 500 })),
          reason: Type.String({ maxLength: 500 }),
          raisedOn: Type.Optional(Type.String({ format: 'date', maxLength: 10 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000, description: "Values with no counterpart, kept in the learner's `review` list." },
    ),
    droppedLinks: Type.Array(
      Type.Object(
        { pointer: Pointer, reason: Type.String({ maxLength: 500 }) },
        { additionalProperties: false },
      ),
      {
        maxItems: 1000,
        description: "Links that could not be kept, e.g. a meeting's plan that was not sent.",
      },
    ),
    transition: Move,
  },
  { description: 'What accepting a `responsibility-moves` transfer did.' },
);
export type TransferImportResult = Static<typeof TransferImportResult>;

/** What accepting a `host-authority` or `school-move` transfer did: access to the sender's live record. */
export const TransferShareResult = Type.Object(
  {
    shared: Type.Object(
      {
        learnerId: Id,
        basis: Type.String({ maxLength: 50, description: 'Why the recipient may see the learner.' }),
        grants: Type.Array(Type.String({ maxLength: 50 }), {
          maxItems: 20,
          description: 'What the recipient may write.',
        }),
      },
      { additionalProperties: false },
    ),
    transition: Move,
  },
  { description: 'What accepting a `host-authority` or `school-move` transfer did.' },
);
export type TransferShareResult = Static<typeof TransferShareResult>;

/** What accepting a transfer did; absent until it is accepted. */
export const TransferResult = Type.Union([TransferImportResult, TransferShareResult], {
  description:
    'What accepting did: the learner matched or created, the records created and updated, codes mapped, values kept for review; or, for a share, the access granted.',
});
export type TransferResult = Static<typeof TransferResult>;
