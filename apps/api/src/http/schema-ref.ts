import Type from 'typebox';

/** A reference to a schema the app registered by name (`app.addSchema`), as route schemas write it. */
export const ref = (name: string) => ({ $ref: `${name}#` });

/**
 * A request body checked by @celr/schema against the named schema (see body-validation.ts): typed
 * as the JSON object it is, since the record types live in @celr/schema's validators, not in TypeBox.
 * With a media type, the body is documented under that type only (a merge patch, for example).
 */
export const bodyRef = (name: string, mediaType?: string) =>
  Type.Unsafe<Record<string, unknown>>(
    mediaType ? { content: { [mediaType]: { schema: ref(name) } } } : ref(name),
  );
