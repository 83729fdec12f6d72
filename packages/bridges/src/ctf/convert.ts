import { classifyRecordLine, validate } from '@celr/schema';
import {
  addAuthorityFields,
  type CtfWriter,
  type FieldNote,
  noteAuthorityFields,
} from './authority-fields.js';
import { attainmentOf, updateLearner } from './learner-update.js';
import type { CtfProblem } from './problems.js';
import { type CtfPupil, readPupil } from './pupil.js';
import { knownCtfVersion } from './versions.js';
import { readXmlElements, textOf, type XmlElement } from './xml-elements.js';

type Data = Record<string, unknown>;

/** A CTF file: the name is what problems are reported against. */
export interface CtfFile {
  name: string;
  content: string | AsyncIterable<string | Buffer>;
}

/** A learner update for bulk import: the held learner, with its `id`, and the CTF's school fields. */
export interface CtfLearnerUpdate {
  line: number;
  upn: string;
  record: Data;
}

/** A pupil of the file that no held learner has the UPN of: listed, never created. */
export interface CtfUnmatchedPupil {
  line: number;
  upn: string;
  name: string;
  /** The CTF's `LookedAfter` block, which says whether the school records the pupil as in care. */
  inCare?: CtfPupil['inCare'];
}

export interface CtfConversion {
  file: string;
  version?: string;
  sourceSchool?: { laestab?: string; name?: string };
  pupils: number;
  updates: CtfLearnerUpdate[];
  unmatched: CtfUnmatchedPupil[];
  /** `refused` problems (a pupil, or the whole file, not converted) and `not-carried` ones. */
  problems: CtfProblem[];
}

export interface ConvertCtfOptions {
  /**
   * The learners the school can see, as `celr export` or `GET /v1/bulk/export` gives them (records
   * with their `id`, or `{ kind, record }` lines). A pupil is matched to the one with its UPN;
   * where two or more have it, the pupil is refused (`ambiguous-upn`) and none is changed.
   */
  learners: Iterable<unknown>;
  /** "Today", for the validation of dates; the clock's unless a test fixes it. */
  today?: string;
  /**
   * Who will import the updates (`school` unless said): the responsible authority's also carry the
   * CTF's ULN and, for a learner with no enrolment, the school the pupil is on roll at. See
   * CTF_WRITERS for why a school's do not.
   */
  writer?: CtfWriter;
}

/**
 * Converts a Common Transfer File into learner updates that `POST /v1/bulk/import` (or `celr
 * import`) applies with the school's rights: one per pupil whose UPN a held learner has, each the
 * held learner with the CTF's attendance, results and SEN provision. The file is read as a stream,
 * one pupil at a time; a pupil that cannot be converted is a problem at its line and the others
 * still convert. A file that is not XML stops at its fault (the pupils before it are kept); a file
 * that is not a CTF, or is of a version this reader does not know, converts nothing.
 */
export async function convertCtf(file: CtfFile, options: ConvertCtfOptions): Promise<CtfConversion> {
  const held = learnersByUpn(options.learners);
  const result: CtfConversion = { file: file.name, pupils: 0, updates: [], unmatched: [], problems: [] };
  const refuseFile = (line: number, field: string, rule: string, message: string) =>
    result.problems.push({ file: file.name, line, field, rule, message, severity: 'refused' });
  const seen = new Map<string, number>();

  const onPupil = (element: XmlElement) => {
    result.pupils++;
    const pupil = readPupil(element, file.name, result.problems);
    if (!pupil) return;
    const first = seen.get(pupil.upn);
    if (first !== undefined) {
      refuseFile(
        pupil.line,
        'UPN',
        'duplicate-upn',
        `${pupil.upn} is also the pupil at line ${first}; neither copy is guessed between, this one is left out.`,
      );
      return;
    }
    seen.set(pupil.upn, pupil.line);
    const learners = held.get(pupil.upn);
    if (learners && learners.length > 1) {
      const ids = learners.map((l) => String(l.id ?? '(no id)')).join(', ');
      refuseFile(
        pupil.line,
        'UPN',
        'ambiguous-upn',
        `${learners.length} learners you can see have UPN ${pupil.upn} (${ids}), for example the sender's and the receiver's copies after a transfer; neither is guessed between, this pupil is left out.`,
      );
      return;
    }
    const learner = learners?.[0];
    if (!learner) {
      const name = [pupil.forename, pupil.surname].filter(Boolean).join(' ');
      result.unmatched.push({
        line: pupil.line,
        upn: pupil.upn,
        name,
        ...(pupil.inCare ? { inCare: pupil.inCare } : {}),
      });
      return;
    }
    const update = matchedUpdate(file.name, pupil, learner, result.problems, options);
    if (update) result.updates.push(update);
  };

  const fault = await readXmlElements(file.content, {
    root(name, line) {
      if (name === 'CTfile') return true;
      refuseFile(
        line,
        name,
        'not-ctf',
        `The root element is <${name}>, not <CTfile>: this is not a Common Transfer File.`,
      );
      return false;
    },
    keeps: (path) =>
      (path.length === 2 && path[1] === 'Header') ||
      (path.length === 3 && path[1] === 'CTFpupilData' && path[2] === 'Pupil'),
    element(path, element) {
      if (path[1] === 'Header') return readHeader(element);
      if (!result.version) {
        refuseFile(
          element.line,
          'Header',
          'no-header',
          'The pupils come before any <Header> with a CTFversion; nothing is converted.',
        );
        return false;
      }
      onPupil(element);
      return true;
    },
  });

  function readHeader(header: XmlElement): boolean {
    const versionText = textOf(header, 'CTFversion');
    const version = knownCtfVersion(versionText);
    // A version is known only from a text, so the second test never refuses a file the first lets by;
    // it tells the compiler that the text is there.
    if (!version || versionText === undefined) {
      const at = header.children.find((c) => c.name === 'CTFversion') ?? header;
      refuseFile(
        at.line,
        'Header/CTFversion',
        'ctf-version',
        `CTF version '${versionText ?? ''}' is not one this reader knows (23.x to 26.x); no pupil is converted, since its layout may differ.`,
      );
      return false;
    }
    result.version = versionText;
    const school = header.children.find((c) => c.name === 'SourceSchool');
    const [la, estab] = [textOf(school, 'LEA'), textOf(school, 'Estab')];
    const name = textOf(school, 'SchoolName');
    result.sourceSchool = {
      ...(la && estab ? { laestab: `${la}${estab}` } : {}),
      ...(name ? { name } : {}),
    };
    return true;
  }

  if (fault)
    refuseFile(
      fault.line,
      'XML',
      'xml',
      `Not well-formed XML at column ${fault.column}: ${fault.message}. Pupils after this point are not read.`,
    );
  else if (!result.version && !result.problems.length)
    refuseFile(1, 'Header', 'no-header', 'The file has no <Header> with a CTFversion; nothing is converted.');
  return result;
}

/** The update of a matched pupil, or undefined (with a problem) when it cannot be applied. */
function matchedUpdate(
  file: string,
  pupil: CtfPupil,
  learner: Data,
  problems: CtfProblem[],
  { today, writer = 'school' }: Pick<ConvertCtfOptions, 'today' | 'writer'>,
): CtfLearnerUpdate | undefined {
  const refuse = (field: string, rule: string, message: string) =>
    problems.push({ file, line: pupil.line, field, rule, message, severity: 'refused' });
  const note = (line: number, field: string, rule: string, message: string) =>
    problems.push({ file, line, field, rule, message, severity: 'not-carried' });
  // The UPN matched; a different date of birth says the UPN may be another child's, so nothing is
  // written to this learner until someone has looked.
  if (learner.dateOfBirth !== pupil.dateOfBirth) {
    refuse(
      'DOB',
      'identity-mismatch',
      `The learner with UPN ${pupil.upn} was born on ${String(learner.dateOfBirth)}, the CTF says ${pupil.dateOfBirth}; check the UPN before loading this pupil.`,
    );
    return undefined;
  }
  for (const a of pupil.assessments) {
    if (!attainmentOf(a))
      note(
        a.line,
        'StageAssessment',
        'no-result',
        `${a.stage} ${a.subject}: a result without a value or a ResultDate is left out.`,
      );
  }
  if (
    pupil.inCare &&
    !pupil.inCare.inCare &&
    learner.careStatus &&
    (learner.careStatus as Data).status === 'looked-after'
  ) {
    note(
      pupil.line,
      'LookedAfter/InCare',
      'in-care-differs',
      `The school does not record ${pupil.upn} as in care; CELR's care status is the authority's and is not changed.`,
    );
  }
  const record = updateLearner(learner, pupil);
  const notes: FieldNote[] = [];
  if (writer === 'responsible-authority') addAuthorityFields(learner, record, pupil, notes);
  else noteAuthorityFields(learner, pupil, notes);
  for (const n of notes) note(n.line, n.field, n.rule, n.message);
  const { id: _id, meta: _meta, ...input } = record;
  const checked = validate('learner', input, today ? { today } : {});
  if (!checked.ok) {
    for (const issue of checked.issues) refuse(issue.pointer, issue.rule, issue.message);
    return undefined;
  }
  return { line: pupil.line, upn: pupil.upn, record };
}

/** Held learners by UPN: all of them, since two records can share a UPN and none is to be guessed. */
function learnersByUpn(learners: Iterable<unknown>): Map<string, Data[]> {
  const byUpn = new Map<string, Data[]>();
  for (const value of learners) {
    const line = classifyRecordLine(value, 'learner');
    if (!line.ok || line.kind !== 'learner' || line.record.jurisdiction !== 'england') continue;
    const ids = Array.isArray(line.record.identifiers) ? (line.record.identifiers as Data[]) : [];
    const upn = ids.find((i) => i.system === 'upn')?.value;
    if (typeof upn !== 'string') continue;
    const same = byUpn.get(upn);
    if (same) same.push(line.record);
    else byUpn.set(upn, [line.record]);
  }
  return byUpn;
}
