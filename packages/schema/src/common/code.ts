import Type from 'typebox';
import { type CodeListId, codeLists } from '../code-lists/index.js';
import type { Jurisdiction } from './primitives.js';

/**
 * The codes of a list that may be used in records of one jurisdiction: codes marked for that
 * nation or for both. Lists that belong to one nation only apply to that nation's records.
 */
export function codesFor(listId: CodeListId, jurisdiction: Jurisdiction): string[] {
  const list = codeLists[listId];
  if (list.jurisdiction !== 'all' && list.jurisdiction !== jurisdiction) return [];
  return list.codes
    .filter((c) => c.jurisdiction === 'all' || c.jurisdiction === jurisdiction)
    .map((c) => c.code);
}

/**
 * A field whose value comes from a code list. `x-code-list` names the list so that the validator
 * can say which list a rejected code is missing from, and the docs can link to it.
 */
export function CodeField(listId: CodeListId, jurisdiction: Jurisdiction, description: string) {
  const list = codeLists[listId];
  return Type.Enum(codesFor(listId, jurisdiction), {
    type: 'string',
    description: `${description} Code from the \`${listId}\` list (${list.source.title}).`,
    'x-code-list': listId,
  });
}

/** The same field for a nation-specific choice of list, e.g. SSDA903 legal status vs CLAS legal reason. */
export function JurisdictionCodeField(
  lists: Record<Jurisdiction, CodeListId>,
  jurisdiction: Jurisdiction,
  description: string,
) {
  return CodeField(lists[jurisdiction], jurisdiction, description);
}
