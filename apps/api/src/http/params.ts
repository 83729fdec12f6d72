import Type from 'typebox';

/** The path of an operation on one resource: `/…/{id}`. */
export const IdParams = Type.Object(
  { id: Type.String({ format: 'uuid', maxLength: 36, description: 'The record id.' }) },
  { additionalProperties: false },
);
