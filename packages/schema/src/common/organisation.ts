import Type, { type Static } from 'typebox';
import {
  COUNCIL_CODE_PATTERN,
  LA_CODE_PATTERN,
  LAESTAB_PATTERN,
  SEED_CODE_PATTERN,
  URN_PATTERN,
} from '../identifiers/formats.js';

export const ORGANISATION_KINDS = ['local-authority', 'school', 'vendor'] as const;

/** How an organisation reference names its organisation, with the format each scheme must follow. */
export const ORGANISATION_SCHEMES = {
  'la-code': {
    kind: 'local-authority',
    pattern: LA_CODE_PATTERN,
    label: 'DfE local authority code (England)',
  },
  'council-code': {
    kind: 'local-authority',
    pattern: COUNCIL_CODE_PATTERN,
    label: 'GSS code of a Scottish council',
  },
  urn: { kind: 'school', pattern: URN_PATTERN, label: 'School URN (England)' },
  laestab: { kind: 'school', pattern: LAESTAB_PATTERN, label: 'LAESTAB number (England)' },
  'seed-code': { kind: 'school', pattern: SEED_CODE_PATTERN, label: 'SEED code (Scotland)' },
  'celr-vendor': { kind: 'vendor', pattern: '^[a-z][a-z0-9-]{1,62}$', label: "Vendor's CELR name" },
} as const;
export type OrganisationScheme = keyof typeof ORGANISATION_SCHEMES;

const schemes = Object.keys(ORGANISATION_SCHEMES) as OrganisationScheme[];

/**
 * A reference to an organisation: its scheme and its code under that scheme. The code's format
 * depends on the scheme, which the schema says as `oneOf` one variant per scheme, each tagged by
 * its `scheme` constant: generated clients get a union they can narrow on, and validators report a
 * bad code against its own scheme's format (validation/validate.ts reports only the variant that
 * the value's `scheme` names).
 */
function organisationRef(kinds: readonly (typeof ORGANISATION_KINDS)[number][], description: string) {
  const allowed = schemes.filter((s) => kinds.includes(ORGANISATION_SCHEMES[s].kind));
  return Type.Object(
    {
      scheme: Type.Enum(allowed, {
        type: 'string',
        description: `How \`code\` identifies the organisation: ${allowed.map((s) => `\`${s}\` (${ORGANISATION_SCHEMES[s].label})`).join(', ')}.`,
      }),
      code: Type.String({ minLength: 1, maxLength: 64, description: 'The code under that scheme.' }),
      name: Type.Optional(
        Type.String({ minLength: 1, maxLength: 200, description: 'Display name, for people.' }),
      ),
    },
    {
      additionalProperties: false,
      description,
      oneOf: allowed.map((scheme) => ({
        type: 'object',
        title: ORGANISATION_SCHEMES[scheme].label,
        properties: {
          scheme: { const: scheme, description: ORGANISATION_SCHEMES[scheme].label },
          code: {
            type: 'string',
            minLength: 1,
            maxLength: 64,
            pattern: ORGANISATION_SCHEMES[scheme].pattern,
            description: `A code in the format of the ${ORGANISATION_SCHEMES[scheme].label}.`,
          },
        },
        required: ['scheme', 'code'],
      })),
    },
  );
}

export const OrganisationRef = organisationRef(
  ORGANISATION_KINDS,
  'A local authority (by its code), a school (by URN, LAESTAB or SEED code) or a vendor.',
);
export const AuthorityRef = organisationRef(
  ['local-authority'],
  'A local authority: `la-code` for England, `council-code` for Scotland.',
);
export const SchoolRef = organisationRef(
  ['school'],
  'A school: `urn` or `laestab` in England, `seed-code` in Scotland.',
);
export type OrganisationRef = Static<typeof OrganisationRef>;
