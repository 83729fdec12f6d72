import type { CtfAssessment, CtfAttendanceYear, CtfPupil } from './pupil.js';

type Data = Record<string, unknown>;
type Attendance = {
  period: { start: string; end: string };
  possibleSessions: number;
  attendedSessions: number;
  authorisedAbsenceSessions: number;
  unauthorisedAbsenceSessions: number;
  source?: string;
};
type Attainment = { subject: string; measure: string; result: string; assessedOn: string };

/**
 * The learner fields a CTF updates for a school. A school may change only attendance, attainment,
 * exclusions and additional needs (SCHOOL_OWNED_FIELDS in the API); the CTF carries no exclusions.
 * Everything else in the held record is sent back unchanged, which is what lets the bulk import
 * apply the line with the school's rights. The ULN and the enrolment are the responsible
 * authority's: see authority-fields.ts.
 */
export const CTF_UPDATED_FIELDS = ['attendance', 'attainment', 'additionalNeeds'] as const;

/** CTF subject codes of the statutory assessments, in words; an unknown code is kept as it is. */
const SUBJECTS: Record<string, string> = {
  ENG: 'English',
  MAT: 'Mathematics',
  REA: 'Reading',
  WRI: 'Writing',
  SCI: 'Science',
  GPS: 'Grammar, punctuation and spelling',
  PHO: 'Phonics',
  MTC: 'Multiplication tables',
};

/** A year of CTF attendance as a CELR attendance summary over that school year. */
export function attendanceSummary(year: CtfAttendanceYear): Attendance {
  // The CTF gives the sessions of a school year; the period is that year, from the day recording
  // started at the school when the CTF says so (a pupil who joined mid-year).
  const start = year.startDate ?? `${year.year}-09-01`;
  const attended = year.attended ?? year.possible - year.authorised - year.unauthorised;
  const school = [year.school.name, year.school.laestab && `LAESTAB ${year.school.laestab}`].filter(Boolean);
  return {
    period: { start, end: `${year.year + 1}-08-31` },
    possibleSessions: year.possible,
    attendedSessions: attended,
    authorisedAbsenceSessions: year.authorised,
    unauthorisedAbsenceSessions: year.unauthorised,
    source: `Common Transfer File${school.length ? ` from ${school.join(', ')}` : ''}`,
  };
}

/** A CTF result as a CELR attainment entry, or undefined when it has no result or no date. */
export function attainmentOf(a: CtfAssessment): Attainment | undefined {
  if (!a.result || !a.resultDate) return undefined;
  const how = [a.method, a.component].filter(Boolean).join(' ');
  return {
    subject: SUBJECTS[a.subject] ?? a.subject,
    measure: `${a.stage}${how ? ` ${how}` : ''} (CTF)`,
    result: a.result,
    assessedOn: a.resultDate,
  };
}

/**
 * The held learner with what the CTF says in the fields it updates. A year or result the learner
 * already has for the same period (or subject, measure and date) is replaced by the CTF's; the
 * others are kept, so loading a second school's CTF adds to the first. Additional needs take the
 * CTF's provision and main need (the need ranked first) and keep
 * the notes.
 */
export function updateLearner(held: Data, pupil: CtfPupil): Data {
  const next: Data = { ...held };
  const years = pupil.attendance.map(attendanceSummary);
  if (years.length) {
    const key = (a: Attendance) => `${a.period.start}|${a.period.end}`;
    const incoming = new Map(years.map((a) => [key(a), a]));
    const kept = ((held.attendance as Attendance[] | undefined) ?? []).filter((a) => !incoming.has(key(a)));
    next.attendance = [...kept, ...incoming.values()].sort((a, b) =>
      a.period.start.localeCompare(b.period.start),
    );
  }
  const results = pupil.assessments.flatMap((a) => attainmentOf(a) ?? []);
  if (results.length) {
    const key = (a: Attainment) => `${a.subject}|${a.measure}|${a.assessedOn}`;
    const incoming = new Map(results.map((a) => [key(a), a]));
    const kept = ((held.attainment as Attainment[] | undefined) ?? []).filter((a) => !incoming.has(key(a)));
    next.attainment = [...kept, ...incoming.values()];
  }
  if (pupil.sen?.provision) {
    const [primaryNeed] = pupil.sen.needs;
    next.additionalNeeds = {
      ...((held.additionalNeeds as Data | undefined) ?? {}),
      status: pupil.sen.provision,
      ...(primaryNeed ? { primaryNeed } : {}),
    };
  }
  return next;
}
