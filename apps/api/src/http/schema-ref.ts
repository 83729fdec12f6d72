/** A reference to a schema the app registered by name (`app.addSchema`), as route schemas write it. */
export const ref = (name: string) => ({ $ref: `${name}#` });
