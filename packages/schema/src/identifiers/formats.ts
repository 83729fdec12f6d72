/**
 * Identifier formats that carry no published check digit we can verify offline.
 * Patterns are exported as strings so they go into the JSON Schema unchanged.
 */

/** Scottish Candidate Number: nine digits, issued by the SQA and carried by SEEMiS. */
export const SCN_PATTERN = '^[0-9]{9}$';
/** School Unique Reference Number (England, Get Information about Schools): six digits. */
export const URN_PATTERN = '^[1-9][0-9]{5}$';
/** LAESTAB: the DfE LA code followed by the four-digit establishment number. */
export const LAESTAB_PATTERN = '^[0-9]{7}$';
/** DfE local authority code (post-1999 numbering): three digits. */
export const LA_CODE_PATTERN = '^[0-9]{3}$';
/** Scottish school SEED code: seven digits. */
export const SEED_CODE_PATTERN = '^[0-9]{7}$';
/** GSS code of a Scottish council area (S12 entity), as the Scottish Government publishes them. */
export const COUNCIL_CODE_PATTERN = '^S12[0-9]{6}$';
/**
 * Identifier systems: well-known names (upn, uln, scn), an authority's own child id
 * (`la-child-id:<LA or council code>`), or a vendor's system (`mis:<vendor>`, `epep:<vendor>`).
 */
export const IDENTIFIER_SYSTEM_PATTERN = '^[a-z][a-z0-9-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$';
