import Type, { type Static } from 'typebox';

export const JURISDICTIONS = ['england', 'scotland'] as const;
export const Jurisdiction = Type.Enum(JURISDICTIONS, {
  description:
    'The nation whose law and code lists apply to the record: `england` or `scotland` (Wales and Northern Ireland may follow).',
});
export type Jurisdiction = Static<typeof Jurisdiction>;

export const RecordId = Type.String({
  format: 'uuid',
  maxLength: 36,
  description: 'Server-assigned identifier of a record (a UUID). Never an MIS or vendor id.',
});

export const IsoDate = (description: string) => Type.String({ format: 'date', maxLength: 10, description });
/**
 * An RFC 3339 date-time with a UTC offset. The pattern rules out RFC 9557 suffixes such as
 * `[Europe/London]`, which some validators accept and others refuse, so that every validator of the
 * JSON Schema files agrees with this package.
 */
export const Timestamp = (description: string) =>
  Type.String({
    format: 'date-time',
    maxLength: 35,
    pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$',
    description,
  });

/** Free text with a bound, so that no field can carry an unbounded payload. */
export const Text = (description: string, maxLength = 4000) =>
  Type.String({ minLength: 1, maxLength, description });

export const Period = Type.Object(
  {
    start: IsoDate('First day of the period (inclusive).'),
    end: Type.Optional(IsoDate('Last day of the period (inclusive); absent while the period is open.')),
  },
  { additionalProperties: false, description: 'A span of days. `end` is never before `start`.' },
);
export type Period = Static<typeof Period>;

export const ClosedPeriod = Type.Object(
  {
    start: IsoDate('First day of the period (inclusive).'),
    end: IsoDate('Last day of the period (inclusive).'),
  },
  {
    additionalProperties: false,
    description: 'A span of days with both ends. `end` is never before `start`.',
  },
);

export const MoneyPence = (description: string) =>
  Type.Integer({
    minimum: 0,
    maximum: 100_000_000,
    description: `${description} In pence (GBP), so sums are exact.`,
  });

export const PersonName = Type.Object(
  {
    given: Text('Given name(s).', 200),
    family: Text('Family name.', 200),
    preferred: Type.Optional(Text('The name the child prefers to be called, when it differs.', 200)),
  },
  { additionalProperties: false, description: "The child's legal and preferred names." },
);
