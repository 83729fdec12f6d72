import { type RecordKind, validate } from '@celr/schema';

import { careHistory, type PlacementMove } from './care-history.js';
import { checkEpisodes, type Episode, inOrder } from './child-rules.js';
import { packEpisode, packHeader, packName, unpackEpisode, unpackHeader, unpackName } from './child-state.js';
import { ChildStore, SPILL_AFTER_CHILDREN, SpillPlace } from './child-store.js';
import { COLLECTION_YEARS, type CollectionYear } from './code-lists.js';
import type { Ssda903Problem } from './problems.js';
import { type FileHeading, readTable, type Ssda903File } from './read-tables.js';
import { readXmlReturn } from './read-xml.js';
import { stableId } from './record-ids.js';
import { type FieldProblem, type HeaderFacts, readEpisodeRow, readHeaderRow } from './row-rules.js';

/** The row of the return a record was made from: the header row of a learner, the episode of a move. */
export interface SourceRow {
  file: string;
  line: number;
}

export interface ConvertSsda903Options {
  /** The responsible authority, `la-code:NNN`: the return does not say which authority made it. */
  authority: string;
  /** The collection year whose code lists apply; the latest CELR knows by default. */
  year?: CollectionYear;
  /**
   * The learners already held, as `celr export --kind learner` writes their records (with `id`). A
   * child whose 903 id (`la-child-id`) or UPN one of them has becomes that learner with the return's
   * date of birth, identifiers, care status and moves, and every other field (name, enrolment,
   * attendance, ...) as held, under its own id: the import then changes only what the return says.
   */
  held?: Iterable<Record<string, unknown>>;
  /** "Today" for CELR's rules about the future (ISO date); the current UTC date by default. */
  today?: string;
  /** Each converted record, in an order an import can follow: a learner before its moves. A promise it returns is awaited before the next record. */
  onRecord: (kind: RecordKind, record: Record<string, unknown>, source: SourceRow) => unknown;
  /** Each refused row, as soon as it is known to be refused. */
  onProblem?: (problem: Ssda903Problem) => void;
  /** Something converted with less than the file had (e.g. a placement code CELR lacks). */
  onNote?: (note: Ssda903Problem) => void;
  /**
   * How many children are held in memory before the rest is spilled to temporary files; 20,000 by
   * default (see SPILL_AFTER_CHILDREN). Tests set it low to convert a small return through the spill.
   */
  spillAfterChildren?: number;
  /** The folder in which the temporary folder of a spill is made; os.tmpdir() by default. */
  spillDirectory?: string;
}

export interface Ssda903Summary {
  /** Children with a header row or an episode. */
  children: number;
  converted: number;
  /** Children with at least one refused row; none of their records is written. */
  refused: number;
  /** Children left out because CELR has no care status for them (left care under 16). */
  notCarried: number;
  transitions: number;
  problems: number;
  /** Each recognised file and its columns that CELR does not carry. */
  files: { file: string; table?: string; notCarried: string[] }[];
}

/** A child as convertChild() reads it, unpacked from its ChildState. */
interface Child {
  id: string;
  header?: { file: string; line: number; facts: HeaderFacts };
  name?: { given: string; family: string };
  episodes: Episode[];
  refused: boolean;
}

const AUTHORITY = /^la-code:([0-9]{3})$/;

/**
 * Converts the CSV tables of an SSDA903 return into CELR records: one learner per child in the
 * header table, and a placement-move transition for each move of their current period of care.
 *
 * Files are read one at a time, row by row, and never held; what is kept between rows is a packed
 * summary of each child (see ChildState), because a child's header and episodes may be anywhere in
 * any of the files. Records are handed on one at a time, waiting for a slow writer. Every refused
 * row is reported; a child with a refused row is not converted, and every other child is.
 *
 * Memory is bounded whatever the number of children: up to `spillAfterChildren` children (20,000)
 * are held in memory and converted in the order they first appear in the files. Past that, the
 * children's rows are written to temporary files split by a hash of the child id, and converted one
 * file at a time once every file is read; the records then come in the order of those files, not of
 * the return (each learner still before its transitions), and a second header row of a child is
 * reported when its file is read back rather than as it is read. The temporary files are removed
 * before this returns or throws.
 */
export async function convertSsda903(
  files: Ssda903File[],
  options: ConvertSsda903Options,
): Promise<Ssda903Summary> {
  const authority = AUTHORITY.exec(options.authority)?.[1];
  if (!authority)
    throw new TypeError(
      `The authority must be la-code:NNN (three digits), not ${JSON.stringify(options.authority)}.`,
    );
  const year = options.year ?? (COLLECTION_YEARS.at(-1) as CollectionYear);
  const held = heldIndex(options.held ?? [], authority);
  const fileNames = files.map((f) => f.name);
  const summary: Ssda903Summary = {
    children: 0,
    converted: 0,
    refused: 0,
    notCarried: 0,
    transitions: 0,
    problems: 0,
    files: [],
  };
  const report = (p: Ssda903Problem) => {
    summary.problems++;
    options.onProblem?.(p);
  };
  const duplicate = (id: string, first: string): FieldProblem => {
    const { file, line } = unpackHeader(first, fileNames);
    return { field: 'CHILD', rule: 'duplicate-child', message: `Child ${id} is also on ${file}:${line}.` };
  };
  const place = new SpillPlace(options.spillDirectory);
  const children = new ChildStore(
    place,
    options.spillAfterChildren ?? SPILL_AFTER_CHILDREN,
    // A second header found as a spilled file is read back: reported at its own row, as when read.
    (id, second, first) => {
      const { file, line } = unpackHeader(second, fileNames);
      report({ file, line, ...duplicate(id, first) });
    },
  );
  try {
    for (const [fileIndex, file] of files.entries()) {
      const onHeading = (h: FileHeading) => {
        summary.files.push({
          file: h.file,
          ...(h.table ? { table: h.table } : {}),
          notCarried: h.notCarried,
        });
        if (!h.table)
          report({
            file: h.file,
            line: 1,
            field: '-',
            rule: 'table',
            message: `The header row (${h.columns.join(',')}) is not one of an SSDA903 table: the file is not read.`,
          });
      };
      const rows = /\.xml$/i.test(file.name)
        ? readXmlReturn(file, onHeading, (line, message) =>
            report({ file: file.name, line, field: '-', rule: 'xml', message }),
          )
        : readTable(file, onHeading);
      for await (const { table, line, row } of rows) {
        const problems: FieldProblem[] = [];
        const refuse = (id: string | undefined) => {
          for (const p of problems) report({ file: file.name, line, ...p });
          if (id !== undefined && problems.length) children.add(['r', id]);
        };
        const id = row.CHILD;
        if (!id) {
          problems.push({ field: 'CHILD', rule: 'required', message: "The child's id is missing." });
          refuse(undefined);
          continue;
        }
        if (table === 'header') {
          const facts = readHeaderRow(row, problems);
          const first = children.add(['h', id, packHeader(fileIndex, line, facts)]);
          if (first) problems.push(duplicate(id, first));
        } else if (table === 'episodes') {
          const facts = readEpisodeRow(row, year, problems);
          children.add(['e', id, packEpisode(fileIndex, { line, ...facts })]);
        } else if (table === 'names') {
          if (row.GIVEN_NAME && row.FAMILY_NAME)
            children.add(['n', id, packName(row.GIVEN_NAME, row.FAMILY_NAME)]);
          else
            problems.push({
              field: row.GIVEN_NAME ? 'FAMILY_NAME' : 'GIVEN_NAME',
              rule: 'required',
              message: 'Both names are needed.',
            });
        } else children.add(['c', id]);
        refuse(id);
        // Only once spilled: the partitions' buffers are written before they grow past 64 KiB.
        if (children.mustFlush) await children.flush();
      }
    }

    // Each child is forgotten as soon as it is converted, so memory falls as the records go out.
    for await (const state of children.children()) {
      if (!state.header && !state.episodes.length) continue; // only in tables CELR does not read
      summary.children++;
      const child: Child = {
        id: state.id,
        ...(state.header ? { header: unpackHeader(state.header, fileNames) } : {}),
        ...(state.name ? { name: unpackName(state.name) } : {}),
        episodes: state.episodes.map((e) => unpackEpisode(e, fileNames)),
        refused: state.refused,
      };
      const outcome = convertChild(child, authority, options.today, held);
      if (outcome.problems.length || child.refused) {
        for (const p of outcome.problems) report(p);
        summary.refused++;
        continue;
      }
      if (outcome.left) {
        summary.notCarried++;
        options.onNote?.(outcome.left);
        continue;
      }
      for (const note of outcome.notes) options.onNote?.(note);
      for (const [kind, record, source] of outcome.records) {
        // Awaited, so a writer that is behind (a slow pipe, a file) holds the converter back.
        await options.onRecord(kind, record, source);
        if (kind === 'transition') summary.transitions++;
      }
      summary.converted++;
    }
  } finally {
    // Also when a file is faulty or onRecord throws: no spilled rows are left behind.
    await place.dispose();
  }
  return summary;
}

interface ChildOutcome {
  problems: Ssda903Problem[];
  notes: Ssda903Problem[];
  left?: Ssda903Problem;
  records: [RecordKind, Record<string, unknown>, SourceRow][];
}

type Held = Map<string, Record<string, unknown>>;

/** Held learners by `system|value` of their identifiers. */
function heldIndex(learners: Iterable<Record<string, unknown>>, authority: string): Held {
  const index: Held = new Map();
  for (const learner of learners) {
    const identifiers = (learner.identifiers ?? []) as { system: string; value: string }[];
    for (const i of identifiers)
      if (i.system === 'upn' || i.system === `la-child-id:${authority}`)
        index.set(`${i.system}|${i.value}`, learner);
  }
  return index;
}

/** The held identifiers with the return's put in place of any of the same system. */
function mergeIdentifiers(held: unknown, ours: { system: string; value: string }[]) {
  const kept = ((held ?? []) as { system: string; value: string }[]).filter(
    (i) => !ours.some((o) => o.system === i.system),
  );
  return [...kept, ...ours];
}

function convertChild(child: Child, authority: string, today: string | undefined, held: Held): ChildOutcome {
  const outcome: ChildOutcome = { problems: [], notes: [], records: [] };
  const header = child.header;
  if (!header) {
    for (const e of child.episodes)
      outcome.problems.push({
        file: e.file,
        line: e.line,
        field: 'CHILD',
        rule: 'no-header',
        message: `Child ${child.id} has episodes but no row in the header table.`,
      });
    return outcome;
  }
  const headerProblem = (field: string, rule: string, message: string) =>
    outcome.problems.push({ file: header.file, line: header.line, field, rule, message });
  outcome.problems.push(...checkEpisodes(child.episodes, header.facts.dateOfBirth));
  if (!child.episodes.length)
    headerProblem('CHILD', 'no-episode', `Child ${child.id} has no episode, so no care status.`);
  const match =
    held.get(`la-child-id:${authority}|${child.id}`) ??
    (header.facts.upn ? held.get(`upn|${header.facts.upn}`) : undefined);
  // A child refused already may have lost its names row to that refusal: no second message about it.
  if (!child.name && !match && !child.refused)
    headerProblem(
      'CHILD',
      'name',
      `Child ${child.id} has no row in a names table (CHILD,GIVEN_NAME,FAMILY_NAME): SSDA903 carries no names and a CELR learner needs one.`,
    );
  const dateOfBirth = header.facts.dateOfBirth;
  const name = child.name ?? (match?.name as Child['name']);
  if (outcome.problems.length || child.refused || !dateOfBirth || !name) return outcome;

  const history = careHistory(inOrder(child.episodes), dateOfBirth);
  if (!history.ok) {
    outcome.left = {
      file: history.episode.file,
      line: history.episode.line,
      field: 'REC',
      rule: 'not-carried',
      message: history.reason,
    };
    return outcome;
  }
  if (history.placementNotCarried)
    outcome.notes.push({
      file: history.placementNotCarried.file,
      line: history.placementNotCarried.line,
      field: 'PLACE',
      rule: 'not-carried',
      message: `${history.placementNotCarried.place} is not in CELR's placement type list yet: the learner is kept without a placement type.`,
    });
  const { meta: _meta, ...kept } = match ?? {};
  const learnerId = typeof kept.id === 'string' ? kept.id : stableId(authority, child.id);
  const learner = {
    ...kept,
    id: learnerId,
    jurisdiction: 'england',
    name,
    dateOfBirth,
    identifiers: mergeIdentifiers(kept.identifiers, [
      { system: `la-child-id:${authority}`, value: child.id },
      ...(header.facts.upn ? [{ system: 'upn', value: header.facts.upn }] : []),
    ]),
    careStatus: history.careStatus,
    responsibleAuthority: { scheme: 'la-code', code: authority },
  };
  const checked = validated('learner', learner as Record<string, unknown>, today);
  for (const issue of checked) headerProblem(fieldOf(issue.pointer), issue.rule, issue.message);
  outcome.records.push(['learner', learner, { file: header.file, line: header.line }]);
  for (const move of history.moves) {
    const transition = transitionOf(move, learnerId, authority, child.id);
    for (const issue of validated('transition', transition, today))
      outcome.problems.push({
        file: move.episode.file,
        line: move.episode.line,
        field: fieldOf(issue.pointer),
        rule: issue.rule,
        message: issue.message,
      });
    outcome.records.push(['transition', transition, { file: move.episode.file, line: move.episode.line }]);
  }
  if (outcome.problems.length) outcome.records = [];
  return outcome;
}

function transitionOf(move: PlacementMove, learnerId: string, authority: string, child: string) {
  return {
    id: stableId(authority, child, 'move', move.date),
    jurisdiction: 'england',
    learnerId,
    type: 'placement-move',
    status: 'completed',
    ...(move.from ? { from: { placementType: move.from } } : {}),
    ...(move.to ? { to: { placementType: move.to } } : {}),
    actualDate: move.date,
    ...(move.reasonCode ? { reasonCode: move.reasonCode } : {}),
  };
}

/** CELR's own checks of the record made, with the server's `id` set aside as an import does. */
function validated(kind: RecordKind, record: Record<string, unknown>, today: string | undefined) {
  const { id: _id, ...input } = record;
  const result = validate(kind, input, today ? { today } : {});
  return result.ok ? [] : result.issues;
}

const fieldOf = (pointer: string) => pointer.replace(/^\//, '') || '-';
