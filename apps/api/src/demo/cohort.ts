/**
 * Synthetic learners of Northbridge (LA 990) for tests and benchmarks: the example learner with
 * the name, date of birth and identifiers varied, every one valid and with a UPN of its own.
 */
import { englandLearner, upnCheckLetter } from '@celr/schema';

const GIVEN = [
  'Amara',
  'Callum',
  'Priya',
  'Tomasz',
  'Aisha',
  'Kieran',
  'Ffion',
  'Oluwaseun',
  'Mei',
  'Jack',
  'Leila',
  'Dylan',
  'Zainab',
  'Ellis',
  'Niamh',
  'Reuben',
  'Sofia',
  'Kai',
  'Hannah',
  'Yusuf',
];
const FAMILY = [
  'Okafor-Lees',
  'MacLeod',
  'Natarajan',
  'Kowalski',
  'Begum',
  'Doherty',
  'Price',
  'Adeyemi',
  'Chen',
  'Smith',
  'Haddad',
  'Evans',
  'Hussain',
  'Walsh',
  'Byrne',
  'Cohen',
  'Rossi',
  'Nguyen',
  'Taylor',
  'Ali',
  'Whitcombe',
  'Reeve',
  'Mensah',
];

/** The nth learner; the same n always gives the same learner. */
export function syntheticLearner(n: number): Record<string, unknown> {
  // UPN: check letter + LA code 990 + nine digits unique to this learner.
  const digits = `990${String(n).padStart(9, '0')}`;
  const upn = `${upnCheckLetter(`A${digits}`)}${digits}`;
  const day = n % 2000; // dates of birth over about five and a half years
  const dateOfBirth = new Date(Date.UTC(2009, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
  return {
    ...englandLearner,
    name: { given: GIVEN[n % GIVEN.length], family: FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length] },
    dateOfBirth,
    identifiers: [
      { system: 'upn', value: upn },
      { system: 'la-child-id:990', value: `NB-${String(n).padStart(6, '0')}` },
      { system: 'mis:example-mis', value: `STU-${n}` },
    ],
  };
}

/** Learners `from` to `from + count - 1` as NDJSON exchange lines. */
export function syntheticCohort(count: number, from = 0): string {
  let text = '';
  for (let n = from; n < from + count; n++)
    text += `${JSON.stringify({ kind: 'learner', record: syntheticLearner(n) })}\n`;
  return text;
}
