import { checkUpn } from '@celr/schema';
import { parseUkDate } from '../dates.js';
import {
  type CollectionYear,
  categoriesOfNeed,
  collectionYearEnd,
  legalStatuses,
  placementTypes,
  reasonsEpisodeCeased,
  reasonsNewEpisode,
  reasonsPlacementChange,
  UNKNOWN_UPN,
} from './code-lists.js';

/** A problem with one field of one row, before the file and line are known to it. */
export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
}

/** A header row as CELR reads it. */
export interface HeaderFacts {
  dateOfBirth?: string;
  /** The UPN when it is one; absent when blank or one of the UN forms. */
  upn?: string;
}

/** An episode row as CELR reads it. Dates are ISO; codes are as written. */
export interface EpisodeFacts {
  start?: string;
  end?: string;
  rne: string;
  ls: string;
  place: string;
  rec: string;
  reasonPlaceChange: string;
}

const date = (value: string, field: string, rule: string, what: string, problems: FieldProblem[]) => {
  if (!value) return undefined;
  const iso = parseUkDate(value);
  if (!iso)
    problems.push({
      field,
      rule,
      message: `${what} ${JSON.stringify(value)} is not a date that exists (dd/mm/yyyy).`,
    });
  return iso;
};

const code = (
  value: string,
  list: readonly string[],
  field: string,
  rule: string,
  what: string,
  year: CollectionYear,
  problems: FieldProblem[],
) => {
  if (value && !list.includes(value))
    problems.push({
      field,
      rule,
      message: `${JSON.stringify(value)} is not a ${what} code of the ${year} return.`,
    });
};

/** Rules 102 (DOB) and 168 (UPN: check letter, or one of the UN forms). */
export function readHeaderRow(row: Record<string, string>, problems: FieldProblem[]): HeaderFacts {
  const facts: HeaderFacts = {};
  if (!row.DOB) problems.push({ field: 'DOB', rule: '102', message: 'Date of birth is missing.' });
  const dob = date(row.DOB ?? '', 'DOB', '102', 'Date of birth', problems);
  if (dob) facts.dateOfBirth = dob;
  const upn = (row.UPN ?? '').toUpperCase();
  if (upn && !UNKNOWN_UPN.test(upn)) {
    const problem = checkUpn(upn);
    if (problem === 'format')
      problems.push({
        field: 'UPN',
        rule: '168',
        message: `${JSON.stringify(row.UPN)} is neither a UPN nor one of UN1 to UN10.`,
      });
    else if (problem === 'check-letter')
      problems.push({
        field: 'UPN',
        rule: '168',
        message: `${JSON.stringify(row.UPN)} has the wrong check letter.`,
      });
    else facts.upn = upn;
  }
  return facts;
}

/** Rules 141, 147 (dates), 143, 144, 145, 146, 149, 1009 (codes of the year) and 354 (end within the year). */
export function readEpisodeRow(
  row: Record<string, string>,
  year: CollectionYear,
  problems: FieldProblem[],
): EpisodeFacts {
  if (!row.DECOM) problems.push({ field: 'DECOM', rule: '141', message: 'Date episode began is missing.' });
  const start = date(row.DECOM ?? '', 'DECOM', '141', 'Date episode began', problems);
  const end = date(row.DEC ?? '', 'DEC', '147', 'Date episode ceased', problems);
  const facts: EpisodeFacts = {
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    rne: row.RNE ?? '',
    ls: row.LS ?? '',
    place: row.PLACE ?? '',
    rec: row.REC ?? '',
    reasonPlaceChange: row.REASON_PLACE_CHANGE ?? '',
  };
  code(facts.rne, reasonsNewEpisode[year], 'RNE', '143', 'reason for new episode', year, problems);
  code(facts.ls, legalStatuses[year], 'LS', '144', 'legal status', year, problems);
  code(row.CIN ?? '', categoriesOfNeed[year], 'CIN', '145', 'category of need', year, problems);
  code(facts.place, placementTypes[year], 'PLACE', '146', 'placement type', year, problems);
  code(facts.rec, reasonsEpisodeCeased[year], 'REC', '149', 'reason episode ceased', year, problems);
  code(
    facts.reasonPlaceChange,
    reasonsPlacementChange[year],
    'REASON_PLACE_CHANGE',
    '1009',
    'reason for placement change',
    year,
    problems,
  );
  if (end && end > collectionYearEnd(year))
    problems.push({
      field: 'DEC',
      rule: '354',
      message: `The episode ends after the end of the ${year} collection year.`,
    });
  return facts;
}
