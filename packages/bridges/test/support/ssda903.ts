import { createReadStream, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  type ConvertSsda903Options,
  convertSsda903,
  formatProblem,
  type Ssda903File,
} from '../../src/index.js';

export const fixtures = (set: string) => new URL(`../fixtures/ssda903/${set}/`, import.meta.url);

/** The files of a fixture set, as streams, named as the CLI would name them. */
export const filesOf = (set: string): Ssda903File[] =>
  readdirSync(fixtures(set))
    .sort()
    .map((name) => ({ name, content: createReadStream(new URL(name, fixtures(set))) }));

export const textFile = (name: string, text: string): Ssda903File => ({
  name,
  content: Readable.from([text]),
});

/** Converts and collects everything the converter reports, in the form the CLI prints. */
export async function convertAll(files: Ssda903File[], options: Partial<ConvertSsda903Options> = {}) {
  const records: { kind: string; record: Record<string, unknown> }[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const summary = await convertSsda903(files, {
    authority: 'la-code:990',
    today: '2026-12-01',
    onRecord: (kind, record) => records.push({ kind, record }),
    onProblem: (p) => problems.push(formatProblem(p)),
    onNote: (n) => notes.push(formatProblem(n)),
    ...options,
  });
  return { records, problems, notes, summary };
}
