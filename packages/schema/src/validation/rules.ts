import { LA_CHILD_ID_AUTHORITY_PATTERN, LA_CHILD_ID_SYSTEM } from '../common/identifier.js';
import { checkNhsNumber } from '../identifiers/nhs-number.js';
import { checkUln } from '../identifiers/uln.js';
import { checkUpn, upnCheckLetterMessage } from '../identifiers/upn.js';
import type { RecordKind } from '../records/define.js';
import { MAX_ISSUES } from './bounds.js';
import { pointerOf, type ValidationIssue } from './issue.js';

/**
 * Rules JSON Schema cannot express: check characters, dates against today, and fields that
 * must agree with each other. They run on input that may be structurally wrong, so every
 * rule reads defensively and only judges values of the type it expects.
 */
export interface RuleContext {
  /** "Today" for rules about the future; the caller's clock unless a test fixes it. */
  today: string;
}

type Json = Record<string, unknown>;
/** Where a field is, as the tokens of its JSON pointer; made into a pointer only for an issue. */
type Path = (string | number)[];
type Rule = (value: Json, ctx: RuleContext, issues: ValidationIssue[]) => void;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
/**
 * The calendar date of a date or date-time. A date-time keeps its own local date: a meeting at
 * 19:00 in UTC-5 on 8 May is on 8 May where it is held, which is what due dates are compared with.
 */
const dateOf = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length >= 10 ? v.slice(0, 10) : undefined;
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const notInFuture = (
  value: unknown,
  ctx: RuleContext,
  path: Path,
  what: string,
  issues: ValidationIssue[],
) => {
  if (isDate(value) && value > ctx.today) {
    issues.push({
      pointer: pointerOf(...path),
      rule: 'date-not-in-future',
      message: `${what} (${value}) cannot be in the future.`,
    });
  }
};

const notBefore = (
  later: unknown,
  earlier: unknown,
  path: Path,
  message: string,
  issues: ValidationIssue[],
) => {
  const a = dateOf(later);
  const b = dateOf(earlier);
  if (a && b && a < b) issues.push({ pointer: pointerOf(...path), rule: 'date-order', message });
};

/**
 * Every `{ start, end }` date pair anywhere in the record: a period cannot end before it starts.
 * It visits every object and array of every record, so it is written for speed: one shared path,
 * pushed and popped rather than copied at each step, and `for...in` (own members only) rather than
 * `Object.entries`, which builds an array per object.
 */
function periods(value: unknown, path: Path, issues: ValidationIssue[]): void {
  // Stops at the issue cap: a list of many bad periods costs no more than a hundred issues.
  if (issues.length >= MAX_ISSUES) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item !== 'object' || item === null) continue;
      path.push(i);
      periods(item, path, issues);
      path.pop();
    }
    return;
  }
  if (!isObject(value)) return;
  if (isDate(value.start) && isDate(value.end) && value.end < value.start) {
    issues.push({
      pointer: pointerOf(...path, 'end'),
      rule: 'period-order',
      message: `The period ends (${value.end}) before it starts (${value.start}).`,
    });
  }
  for (const key in value) {
    const child = value[key];
    if (typeof child !== 'object' || child === null || !Object.hasOwn(value, key)) continue;
    path.push(key);
    periods(child, path, issues);
    path.pop();
  }
}

const identifiers: Rule = (value, _ctx, issues) => {
  const seen = new Map<string, number>();
  arrayOf(value.identifiers).forEach((id, i) => {
    if (!isObject(id) || typeof id.system !== 'string' || typeof id.value !== 'string') return;
    const first = seen.get(id.system);
    if (first !== undefined) {
      issues.push({
        pointer: pointerOf('identifiers', i, 'system'),
        rule: 'identifier-unique-system',
        message: `A learner has one ${id.system}; it is already given at /identifiers/${first}.`,
      });
    } else seen.set(id.system, i);
    if (id.system === 'upn' && checkUpn(id.value) === 'check-letter') {
      issues.push({
        pointer: pointerOf('identifiers', i, 'value'),
        rule: 'upn-check-letter',
        message: upnCheckLetterMessage(id.value),
      });
    }
    if (id.system === 'uln') {
      const problem = checkUln(id.value);
      if (problem === 'check-digit') {
        issues.push({
          pointer: pointerOf('identifiers', i, 'value'),
          rule: 'uln-check-digit',
          message: `'${id.value}' fails the ULN check digit.`,
        });
      } else if (problem === 'placeholder') {
        issues.push({
          pointer: pointerOf('identifiers', i, 'value'),
          rule: 'uln-placeholder',
          message: `9999999999 is a placeholder, not a ULN; leave the ULN out until it is known.`,
        });
      }
    }
    if (id.system === 'nhs-number' && checkNhsNumber(id.value) === 'check-digit') {
      issues.push({
        pointer: pointerOf('identifiers', i, 'value'),
        rule: 'nhs-number-check-digit',
        message: `'${id.value}' fails the NHS number check: its last digit is not the modulus 11 check digit of the first nine.`,
      });
    }
    const la = LA_CHILD_ID_SYSTEM.exec(id.system);
    if (la && !LA_CHILD_ID_AUTHORITY_PATTERN.test(la[1] ?? '')) {
      issues.push({
        pointer: pointerOf('identifiers', i, 'system'),
        rule: 'la-child-id-authority',
        message: `'${id.system}' must name the authority by its DfE LA code (3 digits) or Scottish council code (S12 and 6 digits).`,
      });
    }
  });
};

/** The responsible authority is the corporate parent, so it belongs to the record's jurisdiction. */
const responsibleAuthority: Rule = (value, _ctx, issues) => {
  const ra = value.responsibleAuthority;
  if (!isObject(ra) || typeof ra.scheme !== 'string') return;
  const expected =
    value.jurisdiction === 'england'
      ? 'la-code'
      : value.jurisdiction === 'scotland'
        ? 'council-code'
        : undefined;
  if (expected && ra.scheme !== expected) {
    issues.push({
      pointer: '/responsibleAuthority/scheme',
      rule: 'jurisdiction-mismatch',
      message: `The responsible authority of a learner in ${value.jurisdiction} is named by \`${expected}\`.`,
    });
  }
};

const learnerDates: Rule = (value, ctx, issues) => {
  const dob = value.dateOfBirth;
  notInFuture(dob, ctx, ['dateOfBirth'], 'A date of birth', issues);
  const care = isObject(value.careStatus) ? value.careStatus : {};
  notBefore(
    care.since,
    dob,
    ['careStatus', 'since'],
    'The care status cannot begin before the child was born.',
    issues,
  );
  notBefore(
    care.placementStart,
    dob,
    ['careStatus', 'placementStart'],
    'A placement cannot begin before the child was born.',
    issues,
  );
  notInFuture(care.since, ctx, ['careStatus', 'since'], 'The start of the current care status', issues);
  const enrolment = isObject(value.enrolment) ? value.enrolment : {};
  notBefore(
    enrolment.startDate,
    dob,
    ['enrolment', 'startDate'],
    'A child cannot start school before they are born.',
    issues,
  );
  arrayOf(value.exclusions).forEach((e, i) => {
    if (isObject(e))
      notBefore(
        e.startDate,
        dob,
        ['exclusions', i, 'startDate'],
        'An exclusion cannot start before the child was born.',
        issues,
      );
  });
  arrayOf(value.attainment).forEach((a, i) => {
    if (isObject(a))
      notInFuture(a.assessedOn, ctx, ['attainment', i, 'assessedOn'], 'An assessment date', issues);
  });
  arrayOf(value.views).forEach((v, i) => {
    if (isObject(v))
      notInFuture(v.recordedOn, ctx, ['views', i, 'recordedOn'], 'The date a view was recorded', issues);
  });
};

const attendance: Rule = (value, _ctx, issues) => {
  arrayOf(value.attendance).forEach((a, i) => {
    if (!isObject(a)) return;
    const counts = [a.attendedSessions, a.authorisedAbsenceSessions, a.unauthorisedAbsenceSessions];
    if (typeof a.possibleSessions !== 'number' || !counts.every((c) => typeof c === 'number')) return;
    const sum = (counts as number[]).reduce((x, y) => x + y, 0);
    if (sum > a.possibleSessions) {
      issues.push({
        pointer: pointerOf('attendance', i, 'possibleSessions'),
        rule: 'attendance-sessions',
        message: `Attended and absent sessions add up to ${sum}, more than the ${a.possibleSessions} possible.`,
      });
    }
  });
};

const planDates: Rule = (value, ctx, issues) => {
  const period = isObject(value.period) ? value.period : {};
  notBefore(
    value.reviewDue,
    period.start,
    ['reviewDue'],
    'A review cannot be due before the plan starts.',
    issues,
  );
  const signOff = isObject(value.signOff) ? value.signOff : {};
  notInFuture(signOff.signedOffOn, ctx, ['signOff', 'signedOffOn'], 'A sign-off date', issues);
  const qa = isObject(value.qualityAssurance) ? value.qualityAssurance : {};
  notInFuture(qa.reviewedOn, ctx, ['qualityAssurance', 'reviewedOn'], 'A quality assurance date', issues);
};

const meetingDates: Rule = (value, ctx, issues) => {
  if (value.status === 'held') {
    const at = dateOf(value.scheduledFor);
    if (at && at > ctx.today) {
      issues.push({
        pointer: '/status',
        rule: 'date-not-in-future',
        message: `A meeting scheduled for ${at} cannot have been held yet.`,
      });
    }
  }
  notBefore(
    value.nextMeetingDue,
    value.scheduledFor,
    ['nextMeetingDue'],
    'The next meeting cannot be due before this one.',
    issues,
  );
};

const transitionDates: Rule = (value, ctx, issues) => {
  if (value.status === 'completed' && value.actualDate === undefined) {
    issues.push({
      pointer: '/actualDate',
      rule: 'required-when-completed',
      message: 'A completed transition says when it happened (`actualDate`).',
    });
  }
  notInFuture(value.actualDate, ctx, ['actualDate'], 'The date a move happened', issues);
};

const rulesByKind: Record<RecordKind, Rule[]> = {
  learner: [identifiers, responsibleAuthority, learnerDates, attendance],
  plan: [planDates],
  meeting: [meetingDates],
  transition: [transitionDates],
};

export function checkRules(kind: RecordKind, value: unknown, ctx: RuleContext): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(value)) return issues;
  for (const rule of rulesByKind[kind]) rule(value, ctx, issues);
  periods(value, [], issues);
  return issues;
}
