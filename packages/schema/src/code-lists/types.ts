/**
 * Shapes shared by every CELR code list ("descriptors").
 *
 * A code list is data, not an enum: each one names the published document it was taken from, so a
 * reader can check a code against its source and see which edition CELR follows.
 */

export type Jurisdiction = 'england' | 'scotland';

export interface CodeListSource {
  title: string;
  publisher: string;
  url: string;
  edition: string;
}

export interface Descriptor {
  code: string;
  label: string;
  jurisdiction: Jurisdiction | 'all';
  description?: string;
  /** Kept so that older records and returns still import; not for new records. */
  retired?: boolean;
}

export interface CodeList {
  id: string;
  title: string;
  description: string;
  jurisdiction: Jurisdiction | 'all';
  source: CodeListSource;
  codes: readonly Descriptor[];
}
