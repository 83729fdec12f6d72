import Type, { type Static } from 'typebox';
import { IDENTIFIER_SYSTEM_PATTERN, LA_CODE_PATTERN, SCN_PATTERN } from '../identifiers/formats.js';
import { NHS_NUMBER_PATTERN } from '../identifiers/nhs-number.js';
import { ULN_PATTERN } from '../identifiers/uln.js';
import { UPN_PATTERN } from '../identifiers/upn.js';

/** Patterns that JSON Schema can check for the well-known systems; check letters are checked in code. */
const valueRules = [
  { system: 'upn', pattern: UPN_PATTERN },
  { system: 'uln', pattern: ULN_PATTERN },
  { system: 'scn', pattern: SCN_PATTERN },
  { system: 'nhs-number', pattern: NHS_NUMBER_PATTERN },
];

export const Identifier = Type.Object(
  {
    system: Type.String({
      pattern: IDENTIFIER_SYSTEM_PATTERN,
      maxLength: 100,
      description:
        "Which scheme issued the value: `upn`, `uln`, `scn`, `nhs-number` (ten digits, no spaces), `la-child-id:<LA or council code>` for an authority's own child id, or `mis:<vendor>` / `epep:<vendor>` for a vendor system's id.",
      examples: ['upn', 'scn', 'nhs-number', 'la-child-id:990', 'mis:example-mis'],
    }),
    value: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The identifier as the issuing system writes it.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'An identifier issued by another system, as a `{ system, value }` pair. UPNs are checked against the DfE check letter, ULNs and NHS numbers against their check digits.',
    // One variant per system with a format JSON Schema can check, tagged by its `system` constant,
    // and one for every other system: generated clients get a union, and validators report a bad
    // value against its own system's format (validation/validate.ts reports only that variant).
    oneOf: [
      ...valueRules.map(({ system, pattern }) => ({
        type: 'object',
        title: system,
        properties: {
          system: { const: system, description: `The \`${system}\` system.` },
          value: {
            type: 'string',
            minLength: 1,
            maxLength: 64,
            pattern,
            description: `A value in the format of \`${system}\`.`,
          },
        },
        required: ['system', 'value'],
      })),
      {
        type: 'object',
        title: 'Another system',
        properties: {
          system: {
            type: 'string',
            maxLength: 100,
            not: { enum: valueRules.map((r) => r.system) },
            description: 'Any other system, such as `la-child-id:990` or `mis:example-mis`.',
          },
        },
        required: ['system', 'value'],
      },
    ],
  },
);
export type Identifier = Static<typeof Identifier>;

export const Identifiers = Type.Array(Identifier, {
  maxItems: 20,
  description: 'Identifiers held by other systems. At most one value per system.',
});

export const LA_CHILD_ID_SYSTEM = /^la-child-id:(.+)$/;
export const LA_CHILD_ID_AUTHORITY_PATTERN = new RegExp(`${LA_CODE_PATTERN}|^S12[0-9]{6}$`);
