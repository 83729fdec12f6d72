/**
 * Transfer a learner to another authority: what the sending and the receiving authority's systems
 * call. site/guides/transfer-a-learner.md includes the regions of this file, and
 * tests/docs/examples.test.ts runs them against a running API.
 */
import type { Api } from './sync-from-mis.js';

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
