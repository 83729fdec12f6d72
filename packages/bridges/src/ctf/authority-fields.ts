import { checkUln } from '@celr/schema';
import type { CtfPupil, CtfSchoolSpell } from './pupil.js';

type Data = Record<string, unknown>;
type Identifier = { system: string; value: string };

/**
 * Who will apply the updates. A school may write only the fields it owns (attendance, attainment,
 * exclusions, additional needs): the learner's identifiers are the responsible authority's, and so
 * is the enrolment, since the school on roll is what gives a school its access to the child. So the
 * CTF's ULN and the school the pupil is on roll at are written only when the authority converts the
 * file; a school's conversion says, per pupil, where they differ from what CELR holds.
 */
export const CTF_WRITERS = ['school', 'responsible-authority'] as const;
export type CtfWriter = (typeof CTF_WRITERS)[number];

/** A note on a field the conversion did not write, at a line of the file. */
export interface FieldNote {
  line: number;
  field: string;
  rule: string;
  message: string;
}

/**
 * The school the CTF says the pupil is on roll at: the spell of its school history with a LAESTAB, an
 * entry date and no leaving date, the latest if there are several (a dual-registered pupil).
 */
export function openSpell(
  pupil: CtfPupil,
): (CtfSchoolSpell & { laestab: string; entryDate: string }) | undefined {
  const open = pupil.schoolHistory.filter(
    (s): s is CtfSchoolSpell & { laestab: string; entryDate: string } =>
      !s.leavingDate && !!s.laestab && !!s.entryDate,
  );
  return open.sort((a, b) => b.entryDate.localeCompare(a.entryDate))[0];
}

const heldSchool = (held: Data) =>
  (held.enrolment as { school?: { scheme?: string; code?: string; name?: string } } | undefined)?.school;

/**
 * Adds what only the responsible authority writes to `next` (the held learner with the school's
 * fields already updated): the CTF's ULN when the learner has none, and the enrolment at the school
 * the pupil is on roll at when the learner has no enrolment. A held ULN or enrolment is never
 * replaced: when the CTF differs, a note says so and someone decides.
 */
export function addAuthorityFields(held: Data, next: Data, pupil: CtfPupil, notes: FieldNote[]): void {
  const uln = acceptedUln(held, pupil, notes);
  if (uln)
    next.identifiers = [
      ...((held.identifiers as Identifier[] | undefined) ?? []),
      { system: 'uln', value: uln },
    ];
  const spell = openSpell(pupil);
  if (!spell) return;
  const school = heldSchool(held);
  if (!school) {
    next.enrolment = {
      school: { scheme: 'laestab', code: spell.laestab, ...(spell.name ? { name: spell.name } : {}) },
      startDate: spell.entryDate,
      setting: 'full-time',
    };
    notes.push({
      line: spell.line,
      field: 'SchoolHistory/School',
      rule: 'setting-assumed',
      message: `The enrolment is written from the school the pupil is on roll at (LAESTAB ${spell.laestab} since ${spell.entryDate}); the CTF does not say full or part time, so the setting is full-time: correct it if not.`,
    });
  } else noteEnrolmentDiffers(school, spell, notes);
}

/** For a school's conversion: what the authority would have to write, said once per pupil. */
export function noteAuthorityFields(held: Data, pupil: CtfPupil, notes: FieldNote[]): void {
  const uln = acceptedUln(held, pupil, notes);
  if (uln)
    notes.push({
      line: pupil.line,
      field: 'UniqueLearnerNumber',
      rule: 'authority-field',
      message: `The CTF gives ULN ${uln}, which CELR does not hold for this learner; identifiers are the responsible authority's, so it is not written by a school.`,
    });
  const spell = openSpell(pupil);
  const school = heldSchool(held);
  if (spell && !school)
    notes.push({
      line: spell.line,
      field: 'SchoolHistory/School',
      rule: 'authority-field',
      message: `The CTF says the pupil is on roll at LAESTAB ${spell.laestab} since ${spell.entryDate}, and CELR holds no enrolment; the enrolment is the responsible authority's, so it is not written by a school.`,
    });
  else if (spell && school) noteEnrolmentDiffers(school, spell, notes);
}

/** The CTF's ULN when it is valid and the learner has none; a note when it cannot be taken. */
function acceptedUln(held: Data, pupil: CtfPupil, notes: FieldNote[]): string | undefined {
  if (!pupil.uln) return undefined;
  const problem = checkUln(pupil.uln);
  if (problem) {
    notes.push({
      line: pupil.line,
      field: 'UniqueLearnerNumber',
      rule: `uln-${problem}`,
      message: `'${pupil.uln}' is not a ULN CELR can hold (${problem}); it is left out.`,
    });
    return undefined;
  }
  const ids = (held.identifiers as Identifier[] | undefined) ?? [];
  const current = ids.find((i) => i.system === 'uln');
  if (!current) return pupil.uln;
  if (current.value !== pupil.uln)
    notes.push({
      line: pupil.line,
      field: 'UniqueLearnerNumber',
      rule: 'identifier-differs',
      message: `The learner's ULN is ${current.value}, the CTF says ${pupil.uln}; the held one is kept.`,
    });
  return undefined;
}

/**
 * A held enrolment is compared by LAESTAB only: one held by URN cannot be compared with the CTF's
 * LAESTAB without a register of schools, so nothing is said rather than a guess.
 */
function noteEnrolmentDiffers(
  school: { scheme?: string; code?: string },
  spell: CtfSchoolSpell & { laestab: string; entryDate: string },
  notes: FieldNote[],
): void {
  if (school.scheme !== 'laestab' || school.code === spell.laestab) return;
  notes.push({
    line: spell.line,
    field: 'SchoolHistory/School',
    rule: 'enrolment-differs',
    message: `The CTF says the pupil is on roll at LAESTAB ${spell.laestab} since ${spell.entryDate}; CELR's enrolment names LAESTAB ${school.code} and is not changed (a school move is the responsible authority's, through a transfer).`,
  });
}
