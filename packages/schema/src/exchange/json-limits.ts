/**
 * Limits on the shape of JSON text, checked before it is parsed or validated, so that the cost of
 * reading any accepted body, file line or bundle is bounded by its size and small. Shared by the
 * API's body parsers, its bulk import and the CLI, so that every reader refuses the same input.
 */

/**
 * How deeply JSON may nest (objects and arrays inside one another). No CELR record or request body
 * comes near it (a learner nests about six levels); text nesting deeper is refused before it is
 * parsed, since every recursive walk over it (validation, merge patches, serialisation) would
 * otherwise cost stack and time in proportion.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The offset in `text` of the bracket that opens one level more than `max`, or -1 when the text
 * never nests deeper than `max`. One linear pass over the characters, with no allocation: it
 * skips strings (and their escapes) and does not check that the text is otherwise valid JSON.
 */
export function jsonDepthExceeded(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return i;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return -1;
}

/** The message for text that nests too deeply, with the column where it does. */
export const jsonDepthMessage = (offset: number, max = MAX_JSON_DEPTH) =>
  `The JSON nests deeper than ${max} levels (column ${offset + 1}); no CELR document nests that deeply.`;
