/**
 * Load a school's Common Transfer File with @celr/bridges and @celr/sdk: take the learners the school
 * can see, turn the CTF into updates of them, and send those as a bulk import. site/guides/
 * integrate-mis.md includes the regions of this file, and tests/docs/examples.test.ts runs them
 * against a running API as a demo school, with a fictional CTF.
 */
import { createReadStream } from 'node:fs';
import { convertCtf, formatCtfProblem } from '@celr/bridges';
import { type CelrClient, CelrProblemError } from '@celr/sdk';
import { finished, lineIssues, startImport } from './bulk-exchange.js';

// #region learners
/** The learners the school can see, each with its `id`, as the bulk export gives them. */
export async function heldLearners(celr: CelrClient): Promise<unknown[]> {
  const { data, error, response } = await celr.raw.GET('/v1/bulk/export', {
    params: { query: { kind: ['learner'] } },
    parseAs: 'text',
  });
  if (data === undefined) throw CelrProblemError.fromResponse(response, error);
  return data
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
// #endregion learners

// #region convert
/**
 * The CTF as an import file: one line per pupil the school holds, each the held learner with the
 * CTF's attendance, results and SEN provision. Pupils no learner has the UPN of are listed, never
 * created; a refused pupil is a problem at its line of the CTF (`file:line: ELEMENT rule message`).
 */
export async function ctfUpdates(path: string, learners: unknown[]) {
  const ctf = await convertCtf({ name: path, content: createReadStream(path) }, { learners });
  return {
    ndjson: ctf.updates.map((u) => `${JSON.stringify({ kind: 'learner', record: u.record })}\n`).join(''),
    problems: ctf.problems.map(formatCtfProblem),
    notHeld: ctf.unmatched.map((p) => `${p.upn} (line ${p.line})`),
  };
}
// #endregion convert

// #region load
/**
 * Loads a CTF: the updates go in one bulk import, per record, with the school's rights, so they
 * change only the fields a school owns. `runId` names this load: a retry imports nothing twice.
 */
export async function loadCtf(celr: CelrClient, path: string, runId: string) {
  const { ndjson, problems, notHeld } = await ctfUpdates(path, await heldLearners(celr));
  if (!ndjson) return { counts: undefined, problems, notHeld, rejected: [] };
  const { job } = await startImport(celr, ndjson, { mode: 'per-record', idempotencyKey: `ctf-${runId}` });
  const done = await finished(celr, job.id);
  const rejected: string[] = [];
  for await (const issue of lineIssues(celr, done))
    rejected.push(`line ${issue.line}: ${issue.rule} ${issue.message}`);
  return { counts: done.counts, problems, notHeld, rejected };
}
// #endregion load
