/**
 * Transfer a learner to another authority: what the sending and the receiving authority's systems
 * call. site/guides/transfer-a-learner.md includes the regions of this file, and
 * tests/docs/examples.test.ts runs them against a running API.
 */
import { type Api, connect } from './sync-from-mis.js';

// #region send
/**
 * The sending authority offers the learner, with every plan, meeting and transition, to the
 * authority named by its code. `reason` says what happens on acceptance: `responsibility-moves`
 * makes the recipient the corporate parent; `host-authority` shares the live record with the
 * authority where the child is placed; `school-move` shares it with the new school.
 */
export async function sendLearner(
  api: Api,
  learnerId: string,
  to: { scheme: 'la-code' | 'council-code'; code: string },
) {
  const response = await api('/v1/transfers', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `send-${learnerId}-${to.code}` },
    body: JSON.stringify({
      learnerId,
      recipient: to,
      reason: 'responsibility-moves',
      note: 'Long-term placement from Monday; PEP review due next month.',
    }),
  });
  return (await response.json()) as Transfer;
}
// #endregion send

// #region inbox
export interface Transfer {
  id: string;
  status: 'pending' | 'accepted' | 'rejected' | 'cancelled' | 'imported';
  reason: string;
  overdue: boolean;
  counts: { plans: number; meetings: number; transitions: number };
  result?: AcceptResult;
}

/** The receiving authority's inbox: what waits for a decision, overdue ones first to act on. */
export async function pendingTransfers(api: Api): Promise<Transfer[]> {
  const page = (await (await api('/v1/transfers?box=inbox&status=pending')).json()) as { items: Transfer[] };
  return page.items.sort((a, b) => Number(b.overdue) - Number(a.overdue));
}
// #endregion inbox

// #region accept
export interface AcceptResult {
  learner: { id: string; outcome: 'created' | 'matched'; matchedBy: string[]; conflicts: string[] };
  plans: { created: string[]; updated: string[] };
  meetings: { created: string[]; updated: string[] };
  mapped: { pointer: string; from: string; to: string; list: string }[];
  review: { pointer: string; value: unknown; list?: string; label?: string }[];
  transition: { id: string; linked: boolean };
}

/**
 * Read what came, then accept it: everything is imported in one transaction, or nothing is.
 * The result says whether the learner matched one you already hold (by UPN, SCN or ULN),
 * what was created, and which codes from the other nation were kept for you to review.
 */
export async function acceptTransfer(api: Api, id: string) {
  const bundle = (await (await api(`/v1/transfers/${id}/bundle`)).json()) as {
    content: { learner: { name: { given: string; family: string } } };
  };
  const accepted = (await (
    await api(`/v1/transfers/${id}/accept`, {
      method: 'POST',
      headers: { 'idempotency-key': `accept-${id}` },
    })
  ).json()) as Transfer;
  const result = accepted.result!;
  return { name: bundle.content.learner.name, result };
}
// #endregion accept

// #region main
/**
 * Run as a program, with Node.js 20+, as the sending or the receiving authority (CELR_API_URL,
 * CELR_CLIENT_ID and CELR_CLIENT_SECRET say where and who):
 *
 *   npx tsx transfer-a-learner.ts send <learner id> <la-code or council-code> <code>
 *   npx tsx transfer-a-learner.ts inbox
 *   npx tsx transfer-a-learner.ts accept <transfer id>
 *
 * Each prints its answer as JSON.
 */
export async function main(args: string[], env: Record<string, string | undefined>): Promise<unknown> {
  const usage =
    'Usage: transfer-a-learner.ts send <learner id> <la-code|council-code> <code> | inbox | accept <transfer id>';
  if (!env.CELR_API_URL || !env.CELR_CLIENT_ID || !env.CELR_CLIENT_SECRET) {
    throw new Error(`Set CELR_API_URL, CELR_CLIENT_ID and CELR_CLIENT_SECRET. ${usage}`);
  }
  const api = connect({
    baseUrl: env.CELR_API_URL,
    clientId: env.CELR_CLIENT_ID,
    clientSecret: env.CELR_CLIENT_SECRET,
  });
  const [command, ...rest] = args;
  if (command === 'send' && rest.length === 3 && (rest[1] === 'la-code' || rest[1] === 'council-code')) {
    return sendLearner(api, rest[0]!, { scheme: rest[1], code: rest[2]! });
  }
  if (command === 'inbox' && rest.length === 0) return pendingTransfers(api);
  if (command === 'accept' && rest.length === 1) return acceptTransfer(api, rest[0]!);
  throw new Error(usage);
}

// Only when this file is the program: importing it runs nothing.
if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1])) {
  main(process.argv.slice(2), process.env).then(
    (answer) => console.log(JSON.stringify(answer, null, 2)),
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
// #endregion main
