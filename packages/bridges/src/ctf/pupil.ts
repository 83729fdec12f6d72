import { checkUpn, upnCheckLetterMessage } from '@celr/schema';
import type { CtfProblem } from './problems.js';
import { child, childrenNamed, textOf, type XmlElement } from './xml-elements.js';

/** One year of attendance as the CTF gives it (`Attendance/YearData`). */
export interface CtfAttendanceYear {
  line: number;
  /** The year the school year starts in: 2024 for 2024/25. */
  year: number;
  school: { laestab?: string; name?: string };
  startDate?: string;
  possible: number;
  attended?: number;
  authorised: number;
  unauthorised: number;
}

/** One result (`StageAssessments/KeyStage/StageAssessment`). */
export interface CtfAssessment {
  line: number;
  stage: string;
  subject: string;
  method?: string;
  component?: string;
  result?: string;
  resultDate?: string;
}

/** A school the pupil was on roll at (`SchoolHistory/School`). */
export interface CtfSchoolSpell {
  line: number;
  laestab?: string;
  name?: string;
  entryDate?: string;
  leavingDate?: string;
  leavingReason?: string;
}

/** What a CTF says about one pupil, in the CTF's own terms. */
export interface CtfPupil {
  line: number;
  upn: string;
  /** `UniqueLearnerNumber`, as the file gives it (checked where it is written). */
  uln?: string;
  surname?: string;
  forename?: string;
  dateOfBirth?: string;
  /** `LookedAfter`: whether the school records the pupil as in care, and of which LA. */
  inCare?: { inCare: boolean; careAuthority?: string };
  /** `SENhistory`: the provision (N, K, E) and the needs, highest rank first. */
  sen?: { provision?: string; needs: string[] };
  attendance: CtfAttendanceYear[];
  assessments: CtfAssessment[];
  schoolHistory: CtfSchoolSpell[];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A yyyy-mm-dd date (the CTF's form) that exists, or undefined. */
export function ctfDate(text: string | undefined): string | undefined {
  const m = ISO_DATE.exec(text ?? '');
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days ? (text as string) : undefined;
}

/**
 * Reads a `Pupil` element. A pupil is refused (undefined, with `refused` problems) when it has no
 * valid UPN, since the UPN is what matches it to a learner, or no valid date of birth, which is what
 * confirms the match; a year of attendance or a result that cannot be read is left out with a
 * `not-carried` problem and the rest of the pupil converts.
 */
export function readPupil(pupil: XmlElement, file: string, problems: CtfProblem[]): CtfPupil | undefined {
  const problem = (at: XmlElement, field: string, rule: string, message: string, refused = true) =>
    problems.push({
      file,
      line: at.line,
      field,
      rule,
      message,
      severity: refused ? 'refused' : 'not-carried',
    });
  const upnElement = child(pupil, 'UPN');
  const upn = upnElement?.text ?? '';
  const upnProblem = upn ? checkUpn(upn) : 'missing';
  if (upnProblem) {
    const messages = {
      missing: 'The pupil has no UPN, so it cannot be matched to a learner.',
      format: `'${upn}' is not a UPN: a check letter and twelve characters (digits, the last may be a letter).`,
      'check-letter': upnCheckLetterMessage(upn),
    };
    problem(upnElement ?? pupil, 'UPN', `upn-${upnProblem}`, messages[upnProblem]);
    return undefined;
  }
  const dobElement = child(pupil, 'DOB');
  const dateOfBirth = ctfDate(dobElement?.text);
  if (!dateOfBirth) {
    problem(
      dobElement ?? pupil,
      'DOB',
      'date',
      `'${dobElement?.text ?? ''}' is not a date of birth (yyyy-mm-dd).`,
    );
    return undefined;
  }
  const lookedAfter = child(pupil, 'LookedAfter');
  const senHistory = child(pupil, 'SENhistory');
  const uln = textOf(pupil, 'UniqueLearnerNumber');
  const surname = textOf(pupil, 'Surname');
  const forename = textOf(pupil, 'Forename');
  const careAuthority = lookedAfter && textOf(lookedAfter, 'CareAuthority');
  return {
    line: pupil.line,
    upn,
    ...(uln ? { uln } : {}),
    ...(surname !== undefined ? { surname } : {}),
    ...(forename !== undefined ? { forename } : {}),
    dateOfBirth,
    ...(lookedAfter
      ? {
          inCare: {
            inCare: textOf(lookedAfter, 'InCare')?.toLowerCase() === 'true',
            ...(careAuthority !== undefined ? { careAuthority } : {}),
          },
        }
      : {}),
    ...(senHistory ? { sen: readSen(senHistory) } : {}),
    attendance: childrenNamed(child(pupil, 'Attendance'), 'YearData').flatMap((y) => {
      const year = readAttendanceYear(y);
      if (typeof year === 'string') {
        problem(y, 'Attendance/YearData', 'attendance', year, false);
        return [];
      }
      return [year];
    }),
    assessments: childrenNamed(child(pupil, 'StageAssessments'), 'KeyStage').flatMap((keyStage) =>
      childrenNamed(keyStage, 'StageAssessment').map((a) => {
        // An element the file leaves out is a member left out, not one set to undefined.
        const [method, component, result, resultDate] = ['Method', 'Component', 'Result', 'ResultDate'].map(
          (name) => textOf(a, name),
        );
        return {
          line: a.line,
          stage: textOf(keyStage, 'Stage') ?? '',
          subject: textOf(a, 'Subject') ?? '',
          ...(method !== undefined ? { method } : {}),
          ...(component !== undefined ? { component } : {}),
          ...(result !== undefined ? { result } : {}),
          ...(resultDate !== undefined ? { resultDate } : {}),
        };
      }),
    ),
    schoolHistory: childrenNamed(child(pupil, 'SchoolHistory'), 'School').map((s) => {
      const laestab = laestabOf(s);
      const name = textOf(s, 'SchoolName');
      const entryDate = ctfDate(textOf(s, 'EntryDate'));
      const leavingDate = ctfDate(textOf(s, 'LeavingDate'));
      const leavingReason = textOf(s, 'LeavingReason');
      return {
        line: s.line,
        ...(laestab !== undefined ? { laestab } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(entryDate !== undefined ? { entryDate } : {}),
        ...(leavingDate !== undefined ? { leavingDate } : {}),
        ...(leavingReason !== undefined ? { leavingReason } : {}),
      };
    }),
  };
}

function readSen(history: XmlElement): NonNullable<CtfPupil['sen']> {
  const needs = childrenNamed(child(history, 'SENneeds'), 'SENneed')
    .map((n) => ({ type: textOf(n, 'Type'), rank: Number(textOf(n, 'Rank') ?? 99) }))
    .filter((n): n is { type: string; rank: number } => n.type !== undefined)
    .sort((a, b) => a.rank - b.rank);
  const provision = textOf(child(history, 'SEN'), 'SENprovision');
  return { ...(provision !== undefined ? { provision } : {}), needs: needs.map((n) => n.type) };
}

const laestabOf = (element: XmlElement) => {
  const [la, estab] = [textOf(element, 'LEA'), textOf(element, 'Estab')];
  return la && estab ? `${la}${estab}` : undefined;
};

const SESSIONS = /^\d{1,4}$/;

/** A year of attendance, or why it cannot be read. */
function readAttendanceYear(y: XmlElement): CtfAttendanceYear | string {
  const year = textOf(y, 'Year');
  if (!year || !/^\d{4}$/.test(year))
    return `'${year ?? ''}' is not a year (yyyy); the year's attendance is left out.`;
  const counts: Record<string, number | undefined> = {};
  for (const name of ['SessionsPossible', 'SessionsAttended', 'SessionsAuthorised', 'SessionsUnauthorised']) {
    const text = textOf(y, name);
    if (text !== undefined && !SESSIONS.test(text))
      return `${name} '${text}' is not a number of sessions; the year's attendance is left out.`;
    counts[name] = text === undefined ? undefined : Number(text);
  }
  const possible = counts.SessionsPossible;
  if (possible === undefined) return 'SessionsPossible is missing; the year\u2019s attendance is left out.';
  const authorised = counts.SessionsAuthorised ?? 0;
  const unauthorised = counts.SessionsUnauthorised ?? 0;
  const attended = counts.SessionsAttended;
  if (authorised + unauthorised + (attended ?? 0) > possible)
    return `attended and absent sessions add up to more than the ${possible} possible; the year's attendance is left out.`;
  const startText = textOf(y, 'AttendanceStartDate');
  const laestab = laestabOf(y);
  const schoolName = textOf(y, 'SchoolName');
  return {
    line: y.line,
    year: Number(year),
    school: {
      ...(laestab !== undefined ? { laestab } : {}),
      ...(schoolName !== undefined ? { name: schoolName } : {}),
    },
    ...(startText !== undefined && ctfDate(startText) ? { startDate: startText } : {}),
    possible,
    ...(attended !== undefined ? { attended } : {}),
    authorised,
    unauthorised,
  };
}
