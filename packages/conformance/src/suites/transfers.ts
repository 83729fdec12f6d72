import type { Organisation, TestContext, Who } from '../context.js';
import { CELR, type ConformanceTest } from '../define.js';
import type { Role } from '../model.js';
import { expectProblem } from './problems.js';

/**
 * The roles that send and receive transfers: an authority, a vendor acting for one (it has the
 * authority's access, limited by its own client's scopes: CELR concepts/access#vendors), and an
 * implementation tested as a transfer peer.
 */
export const PEERS: readonly Role[] = ['authority', 'vendor', 'transfer-peer'];

interface Transfer {
  id: string;
  signature?: { state?: string; kid?: string | null } | null;
  sender?: { organisationId?: string; scheme?: string; code?: string };
  recipient?: { scheme?: string; code?: string };
  status: string;
  direction?: string;
  learnerId?: string | null;
  result?: { learner?: { id?: string } } | null;
}

/**
 * Accepts a transfer as `as` (`who` in messages) and checks that it names the learner `holder` now
 * holds, which is returned. That learner is the test's to remove, as `as`: first every record the
 * transfer brought or made (its plans, meetings and transitions), then the learner.
 */
async function acceptAndRemoveAfter(
  t: TestContext,
  transferId: string,
  as: Who | undefined,
  who: string,
  holder: string,
): Promise<string> {
  const accepted = await t.send('POST', `/v1/transfers/${transferId}/accept`, { as });
  t.status(accepted, 200, `POST /v1/transfers/{id}/accept as ${who}`);
  const after = accepted.json as Transfer;
  t.check(after.status === 'accepted', `The accepted transfer's status is ${JSON.stringify(after.status)}.`);
  const theirs = after.result?.learner?.id;
  t.check(typeof theirs === 'string', `The accepted transfer does not name the learner ${holder} now holds.`);
  t.onCleanup(async () => {
    for (const kind of ['plans', 'meetings', 'transitions']) {
      const list = await t.send('GET', `/v1/learners/${theirs}/${kind}?limit=200`, { as });
      for (const record of (list.json as { items?: { id: string }[] } | undefined)?.items ?? [])
        await t.send('DELETE', `/v1/${kind}/${record.id}`, { as, headers: { 'if-match': '*' } });
    }
    return t.send('DELETE', `/v1/learners/${theirs}`, { as, headers: { 'if-match': '*' } });
  });
  return theirs as string;
}

/** The second organisation as a transfer's recipient: its scheme and code, from its own GET /v1/me. */
async function otherAsRecipient(t: TestContext) {
  const res = await t.send('GET', '/v1/me', { as: 'other' });
  t.status(res, 200, 'GET /v1/me as the second organisation');
  const org = (res.json as { organisation: { scheme: string | null; code: string | null } }).organisation;
  if (!org.scheme || !org.code) t.skip('The second organisation has no public code to send a transfer to.');
  return { scheme: org.scheme, code: org.code };
}

/** A fictional learner of the role's authority, sent to the second organisation: the transfer, as sent. */
export async function sent(t: TestContext): Promise<{ learnerId: string; transfer: Transfer }> {
  t.session.credentials('other');
  await t.needsScopes('transfers:read', 'transfers:send');
  const recipient = await otherAsRecipient(t);
  const learner = await t.learner();
  const res = await t.send('POST', '/v1/transfers', {
    body: {
      learnerId: learner.id,
      recipient,
      reason: 'responsibility-moves',
      note: 'CELR conformance kit (fictional)',
    },
  });
  t.status(res, 201, 'POST /v1/transfers');
  const transfer = res.json as Transfer;
  t.check(
    transfer.status === 'pending',
    `The new transfer's status is ${JSON.stringify(transfer.status)}, not pending.`,
  );
  // A transfer left pending is cancelled when the test ends; one accepted is the recipient's to remove.
  t.onCleanup(() => t.send('POST', `/v1/transfers/${transfer.id}/cancel`, {}));
  return { learnerId: learner.id, transfer };
}

/** An organisation as a transfer names it: scheme and code. */
const refOf = (org: Organisation) => ({ scheme: org.scheme as string, code: org.code as string });

/**
 * One direction of a bundle between two deployments: `from`'s fictional learner, sent to `to`'s
 * organisation on `from`'s server, its signed bundle read there and imported on `to`'s server.
 */
async function betweenDeployments(t: TestContext, from: Who, to: Who): Promise<string> {
  t.session.credentials('peer');
  await t.needsScopes('transfers:read', 'transfers:send', 'transfers:receive');
  const whoIs = async (who: Who) => {
    const me = await t.send('GET', '/v1/me', { as: who });
    t.status(me, 200, `GET /v1/me on ${t.session.baseUrl(who)}`);
    const org = (me.json as { organisation: Organisation }).organisation;
    if (!org.scheme || !org.code)
      t.skip(`The organisation on ${t.session.baseUrl(who)} has no public code to send a transfer to.`);
    return org;
  };
  const [sender, recipient] = [await whoIs(from), await whoIs(to)];
  const made = await t.send('POST', '/v1/learners', { as: from, body: await t.learnerBody({}, sender) });
  t.status(made, 201, `POST /v1/learners on ${t.session.baseUrl(from)}`);
  const learnerId = String((made.json as { id: unknown }).id);
  t.onCleanup(() =>
    t.send('DELETE', `/v1/learners/${learnerId}`, { as: from, headers: { 'if-match': '*' } }),
  );
  const posted = await t.send('POST', '/v1/transfers', {
    as: from,
    body: {
      learnerId,
      recipient: refOf(recipient),
      reason: 'responsibility-moves',
      note: 'CELR conformance kit (fictional)',
    },
  });
  const unknown = ((posted.json as { errors?: { rule?: string }[] } | undefined)?.errors ?? []).some(
    (e) => e.rule === 'recipient-exists',
  );
  if (posted.status === 422 && unknown)
    t.skip(
      `${t.session.baseUrl(from)} does not know ${recipient.scheme} ${recipient.code}, the organisation on ${t.session.baseUrl(to)}: its operator must register it before bundles can be sent to it.`,
    );
  t.status(posted, 201, `POST /v1/transfers on ${t.session.baseUrl(from)}`);
  const transfer = posted.json as Transfer;
  // Pending on the sending deployment: it is cancelled when the test ends.
  t.onCleanup(() => t.send('POST', `/v1/transfers/${transfer.id}/cancel`, { as: from }));
  const read = await t.send('GET', `/v1/transfers/${transfer.id}/bundle`, { as: from });
  t.status(read, 200, 'GET /v1/transfers/{id}/bundle as the sender');
  const bundle = read.json as { signature?: unknown };
  t.check(typeof bundle.signature === 'string', 'The bundle the sending deployment serves is not signed.');
  const imported = await t.send('POST', '/v1/bundles/import', { as: to, body: bundle });
  const theirs = (imported.json as Transfer | undefined)?.result?.learner?.id;
  if (theirs)
    t.onCleanup(async () => {
      for (const kind of ['plans', 'meetings', 'transitions']) {
        const list = await t.send('GET', `/v1/learners/${theirs}/${kind}?limit=200`, { as: to });
        for (const record of (list.json as { items?: { id: string }[] } | undefined)?.items ?? [])
          await t.send('DELETE', `/v1/${kind}/${record.id}`, { as: to, headers: { 'if-match': '*' } });
      }
      return t.send('DELETE', `/v1/learners/${theirs}`, { as: to, headers: { 'if-match': '*' } });
    });
  const rules = ((imported.json as { errors?: { rule?: string }[] } | undefined)?.errors ?? []).map(
    (e) => e.rule,
  );
  t.check(
    imported.status === 201,
    `POST /v1/bundles/import on ${t.session.baseUrl(to)}: expected HTTP 201, got ${imported.status}${
      rules.length
        ? ` (${rules.join(', ')}: has its operator registered ${sender.scheme} ${sender.code}'s bundle keys from ${t.session.baseUrl(from)}/.well-known/jwks.json?)`
        : ''
    }.`,
  );
  const result = imported.json as Transfer;
  t.check(
    result.signature?.state === 'verified',
    `The imported transfer's signature is ${JSON.stringify(result.signature)}, not verified.`,
  );
  t.check(typeof theirs === 'string', 'The import does not name the learner the recipient now holds.');
  const learner = await t.send('GET', `/v1/learners/${theirs}`, { as: to });
  t.status(learner, 200, `GET of the imported learner on ${t.session.baseUrl(to)}`);
  t.check(
    (learner.json as { responsibleAuthority?: { code?: unknown } }).responsibleAuthority?.code ===
      recipient.code,
    "The imported learner's responsible authority is not the recipient.",
  );
  const again = await t.send('POST', '/v1/bundles/import', { as: to, body: bundle });
  t.status(again, 200, 'Importing the same bundle again');
  t.check(
    (again.json as Transfer).id === result.id,
    'Importing the same bundle again made another transfer.',
  );
  return `signed by ${sender.scheme} ${sender.code} (${result.signature?.kid}), imported and verified on ${t.session.baseUrl(to)}`;
}

export const transferTests: ConformanceTest[] = [
  {
    id: 'transfers-send-accept',
    group: 'transfers',
    title: 'A transfer the recipient accepts gives it the learner, as its own',
    clause: CELR('concepts/transfers'),
    level: 'mandatory',
    roles: PEERS,
    async run(t: TestContext) {
      const { transfer } = await sent(t);
      const inbox = await t.send('GET', '/v1/transfers?box=inbox&status=pending', { as: 'other' });
      t.status(inbox, 200, 'GET /v1/transfers?box=inbox as the recipient');
      const listed = ((inbox.json as { items?: Transfer[] }).items ?? []).find((x) => x.id === transfer.id);
      t.check(listed, "The transfer is not in the recipient's inbox.");
      const theirs = await acceptAndRemoveAfter(t, transfer.id, 'other', 'the recipient', 'the recipient');
      const read = await t.send('GET', `/v1/learners/${theirs}`, { as: 'other' });
      t.status(read, 200, 'GET of the transferred learner as the recipient');
      const me = await t.send('GET', '/v1/me', { as: 'other' });
      const recipientId = (me.json as { organisation: { id: string } }).organisation.id;
      const authority = (read.json as { responsibleAuthority?: { code?: unknown } }).responsibleAuthority;
      const recipient = await otherAsRecipient(t);
      t.check(
        authority?.code === recipient.code,
        `The learner's responsible authority is ${JSON.stringify(authority)}, not the recipient (${recipientId}).`,
      );
      return `accepted; the recipient holds learner ${theirs}`;
    },
  },
  {
    id: 'transfers-reject',
    group: 'transfers',
    title: 'A transfer the recipient rejects stays with the sender, with the reason',
    clause: CELR('concepts/transfers'),
    level: 'mandatory',
    roles: PEERS,
    async run(t: TestContext) {
      const { transfer, learnerId } = await sent(t);
      const rejected = await t.send('POST', `/v1/transfers/${transfer.id}/reject`, {
        as: 'other',
        body: { reason: 'Not ours: a conformance test.' },
      });
      t.status(rejected, 200, 'POST /v1/transfers/{id}/reject as the recipient');
      const seen = await t.send('GET', `/v1/transfers/${transfer.id}`);
      t.status(seen, 200, 'GET /v1/transfers/{id} as the sender');
      t.check(
        (seen.json as Transfer).status === 'rejected',
        `The sender sees status ${JSON.stringify((seen.json as Transfer).status)}.`,
      );
      const again = await t.send('POST', `/v1/transfers/${transfer.id}/accept`, { as: 'other' });
      t.status(again, [409, 410, 422], 'Accepting a rejected transfer');
      const mine = await t.send('GET', `/v1/learners/${learnerId}`);
      t.status(mine, 200, 'GET of the learner by the sender');
      return 'rejected; the learner stays with the sender';
    },
  },
  {
    id: 'bundles-tampered-refused',
    group: 'transfers',
    title: 'A bundle whose content was changed after it was signed is refused, and nothing is written',
    clause: CELR('concepts/security', 'bundle-signatures'),
    level: 'mandatory',
    roles: PEERS,
    async run(t: TestContext) {
      const { transfer } = await sent(t);
      const res = await t.send('GET', `/v1/transfers/${transfer.id}/bundle`, { as: 'other' });
      t.status(res, 200, 'GET /v1/transfers/{id}/bundle as the recipient');
      const bundle = res.json as { content?: { learner?: { name?: { family?: string } } } };
      t.check(bundle.content?.learner?.name, 'The bundle has no content.learner to check.');
      bundle.content.learner.name.family = 'Tampered';
      const imported = await t.send('POST', '/v1/bundles/import', { as: 'other', body: bundle });
      if (imported.status === 200 || imported.status === 201) {
        const id = (imported.json as Transfer).result?.learner?.id;
        if (id)
          t.onCleanup(() =>
            t.send('DELETE', `/v1/learners/${id}`, { as: 'other', headers: { 'if-match': '*' } }),
          );
      }
      t.status(imported, 422, 'POST /v1/bundles/import of the changed bundle');
      const problem = expectProblem(t, imported, 'validation');
      const rules = ((problem.errors ?? []) as { rule?: string }[]).map((e) => e.rule);
      t.check(
        rules.some((r) => r === 'digest-mismatch' || r === 'bundle-signature-invalid'),
        `The refusal names ${JSON.stringify(rules)}, not the digest or the signature.`,
      );
      return `422 ${rules.join(', ')}`;
    },
  },
  {
    id: 'transfers-vendor-sends-as-authority',
    group: 'transfers',
    title: "A vendor's transfer is sent as the authority it acts for, never as the vendor",
    clause: CELR('concepts/access', 'vendors'),
    level: 'mandatory',
    roles: ['vendor'],
    async run(t: TestContext) {
      const authority = await t.session.actingFor();
      const { transfer } = await sent(t);
      for (const [who, seen] of [
        ['sender', await t.send('GET', `/v1/transfers/${transfer.id}`)],
        ['recipient', await t.send('GET', `/v1/transfers/${transfer.id}`, { as: 'other' })],
      ] as const) {
        t.status(seen, 200, `GET /v1/transfers/{id} as the ${who}`);
        const sender = (seen.json as Transfer).sender;
        // The document leaves the sender's members open: it is named by its id, or by scheme and code.
        t.check(
          sender?.organisationId === authority.id ||
            (!!sender?.code && sender.scheme === authority.scheme && sender.code === authority.code),
          `The ${who} sees the transfer as sent by ${JSON.stringify(sender)}, not by the authority the vendor acts for (${authority.id}, ${authority.scheme} ${authority.code}).`,
        );
      }
      return `sent by ${authority.name} (${authority.id})`;
    },
  },
  {
    id: 'transfers-vendor-accepts-for-authority',
    group: 'transfers',
    title:
      'A transfer to the authority a vendor acts for is in the vendor’s inbox, and the vendor accepts it for the authority',
    clause: CELR('concepts/access', 'vendors'),
    level: 'mandatory',
    roles: ['vendor'],
    async run(t: TestContext) {
      t.session.credentials('other');
      await t.needsScopes('transfers:read', 'transfers:receive');
      const authority = await t.session.actingFor();
      if (!authority.scheme || !authority.code)
        t.skip('The authority the vendor acts for has no public code to send a transfer to.');
      const me = await t.send('GET', '/v1/me', { as: 'other' });
      t.status(me, 200, 'GET /v1/me as the second organisation');
      const other = (me.json as { organisation: Organisation }).organisation;
      // The second organisation's own fictional learner, sent to the authority the vendor acts for.
      const made = await t.send('POST', '/v1/learners', {
        as: 'other',
        body: await t.learnerBody({}, other),
      });
      t.status(made, 201, 'POST /v1/learners as the second organisation');
      const learnerId = String((made.json as { id: unknown }).id);
      t.onCleanup(() =>
        t.send('DELETE', `/v1/learners/${learnerId}`, { as: 'other', headers: { 'if-match': '*' } }),
      );
      const posted = await t.send('POST', '/v1/transfers', {
        as: 'other',
        body: {
          learnerId,
          recipient: { scheme: authority.scheme, code: authority.code },
          reason: 'responsibility-moves',
          note: 'CELR conformance kit (fictional)',
        },
      });
      t.status(posted, 201, 'POST /v1/transfers as the second organisation');
      const transfer = posted.json as Transfer;
      t.onCleanup(() => t.send('POST', `/v1/transfers/${transfer.id}/cancel`, { as: 'other' }));
      const inbox = await t.send('GET', '/v1/transfers?box=inbox&status=pending');
      t.status(inbox, 200, 'GET /v1/transfers?box=inbox as the vendor');
      t.check(
        ((inbox.json as { items?: Transfer[] }).items ?? []).some((x) => x.id === transfer.id),
        'The transfer is not in the inbox of the authority the vendor acts for.',
      );
      const theirs = await acceptAndRemoveAfter(t, transfer.id, undefined, 'the vendor', 'the authority');
      const read = await t.send('GET', `/v1/learners/${theirs}`);
      t.status(read, 200, 'GET of the transferred learner as the vendor');
      const responsible = (read.json as { responsibleAuthority?: { code?: unknown } }).responsibleAuthority;
      t.check(
        responsible?.code === authority.code,
        `The learner's responsible authority is ${JSON.stringify(responsible)}, not the authority the vendor acts for (${authority.code}).`,
      );
      return `accepted for ${authority.scheme} ${authority.code}; it holds learner ${theirs}`;
    },
  },
  {
    id: 'transfers-vendor-scope-bounded',
    group: 'transfers',
    title: "A vendor's token without the transfer scopes cannot send the authority's learner: 403",
    clause: `RFC 6750 §3.1; ${CELR('concepts/access', 'vendors')}`,
    level: 'mandatory',
    roles: ['vendor'],
    async run(t: TestContext) {
      const recipient = await otherAsRecipient(t);
      const learner = await t.learner();
      const res = await t.send('POST', '/v1/transfers', {
        body: { learnerId: learner.id, recipient, reason: 'responsibility-moves' },
        scope: 'learners:read learners:write',
      });
      if (res.status === 201) {
        const id = (res.json as Transfer).id;
        t.onCleanup(() => t.send('POST', `/v1/transfers/${id}/cancel`, {}));
      }
      t.status(res, 403, 'POST /v1/transfers with a token without transfers:send');
      expectProblem(t, res, 'forbidden');
      const challenge = res.headers.get('www-authenticate') ?? '';
      t.check(
        /error="insufficient_scope"/.test(challenge),
        `WWW-Authenticate is '${challenge}', not a Bearer challenge with error="insufficient_scope".`,
      );
      return `403 forbidden, ${challenge}`;
    },
  },
  {
    id: 'bundles-between-deployments-send',
    group: 'transfers',
    title:
      'A bundle this deployment signs is imported by a second deployment that trusts its keys, verified, once',
    clause: CELR('concepts/security', 'bundle-signatures'),
    level: 'mandatory',
    roles: ['transfer-peer'],
    run: (t: TestContext) => betweenDeployments(t, 'primary', 'peer'),
  },
  {
    id: 'bundles-between-deployments-receive',
    group: 'transfers',
    title:
      'A bundle a second deployment signs with its own keys is imported here, verified against the keys registered for it',
    clause: CELR('concepts/security', 'bundle-signatures'),
    level: 'mandatory',
    roles: ['transfer-peer'],
    run: (t: TestContext) => betweenDeployments(t, 'peer', 'primary'),
  },
];
