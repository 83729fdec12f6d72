import Type from 'typebox';
import { CodeField } from './code.js';
import { OrganisationRef } from './organisation.js';
import type { Jurisdiction } from './primitives.js';
import { IsoDate, RecordId, Text, Timestamp } from './primitives.js';

export const RecordMeta = Type.Object(
  {
    version: Type.Integer({
      minimum: 1,
      maximum: 2147483647,
      description:
        'Starts at 1 and goes up by one with every change. The `ETag` of the record is derived from it.',
    }),
    createdAt: Timestamp('When the record was first written (UTC).'),
    updatedAt: Timestamp('When this version was written (UTC).'),
    recordedBy: Type.Object(
      {
        organisationId: { ...RecordId, description: 'The organisation whose client wrote this version.' },
        name: Type.Optional(Type.String({ maxLength: 200, description: 'Name of the organisation.' })),
      },
      { additionalProperties: false, description: 'The organisation whose client wrote this version.' },
    ),
  },
  { additionalProperties: false, description: 'Set by the server; ignored on input.' },
);

export const Contact = (j: Jurisdiction) =>
  Type.Object(
    {
      role: CodeField('contact-role', j, 'Why this person is a contact.'),
      name: Text('Full name.', 200),
      organisation: Type.Optional(OrganisationRef),
      email: Type.Optional(
        Type.String({ format: 'email', maxLength: 254, description: 'Work email address.' }),
      ),
      phone: Type.Optional(
        Type.String({
          maxLength: 20,
          pattern: '^\\+?[0-9 ()-]{6,20}$',
          description: 'Work telephone number.',
        }),
      ),
    },
    { additionalProperties: false, description: 'A key contact for the learner, by role.' },
  );

export const ACTION_STATUSES = ['open', 'done', 'cancelled'] as const;

export const ActionItem = (j: Jurisdiction) =>
  Type.Object(
    {
      description: Text('What will be done.', 2000),
      ownerRole: CodeField('contact-role', j, 'The role responsible for it.'),
      ownerName: Type.Optional(Text('The person responsible, when named.', 200)),
      dueDate: Type.Optional(IsoDate('When it is due.')),
      status: Type.Enum(ACTION_STATUSES, { type: 'string', description: '`open`, `done` or `cancelled`.' }),
    },
    { additionalProperties: false, description: 'An action with an owner and a due date.' },
  );

export const PersonInRole = (j: Jurisdiction, description: string) =>
  Type.Object(
    {
      name: Text('Full name.', 200),
      role: CodeField('contact-role', j, 'Their role.'),
    },
    { additionalProperties: false, description },
  );
