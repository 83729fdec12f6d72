/**
 * `celr transfer` run as a process against the API on a real socket: Northbridge sends a learner's
 * records to Eastmere, Eastmere finds them in its inbox, reads and accepts them; a transfer decided
 * once cannot be decided again; a rejection and a cancellation; and England to Scotland, where codes
 * are mapped or kept for review.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, createOrganisation } from '@celr/api';
import { englandLearner } from '@celr/schema';
import { type CelrClient, createCelrClient, type LearnerInput } from '@celr/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { learner, meeting, plan, upn } from './support/records.js';

let api: RunningApi;
let northbridge: CelrClient;
/** Glenmoray, a Scottish council, added to the organisations startApi makes. */
let glenmoray: Record<string, string>;
const scratch = scratchFolder();
const dir = scratch.dir;

beforeAll(async () => {
  api = await startApi();
  northbridge = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
  const { prisma } = api.db;
  const org = await createOrganisation(prisma, {
    kind: 'local-authority',
    name: 'Glenmoray Council',
    jurisdiction: 'scotland',
    laCode: 'S12000099',
  });
  const client = await createClient(prisma, { organisationId: org.id, name: 'Glenmoray CLI tests' });
  glenmoray = {
    CELR_API_URL: api.baseUrl,
    CELR_CLIENT_ID: client.clientId,
    CELR_CLIENT_SECRET: client.secret,
  };
});
afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const as = (org: 'northbridge' | 'eastmere' | 'glenmoray', ...args: string[]) =>
  celr(['transfer', ...args], { cwd: dir, env: org === 'glenmoray' ? glenmoray : api.env(org) });
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const idIn = (stdout: string) => new RegExp(`^Transfer: +(${UUID})$`, 'm').exec(stdout)?.[1] as string;

/** A Northbridge learner with one plan and two meetings. */
async function learnerWithRecords(n: number, input: LearnerInput = learner(n)) {
  const created = await northbridge.create('learner', input);
  const p = await northbridge.create('plan', plan(created.id));
  await northbridge.create('meeting', meeting(created.id, { planId: p.id } as never));
  await northbridge.create('meeting', meeting(created.id));
  return created.id;
}

describe('celr transfer', () => {
  it('explains itself, and exits 2 on wrong usage without calling the API', async () => {
    const [help, sendHelp, bare, noLearner, badTo, both, noReason, unknown] = await Promise.all([
      celr(['transfer', '--help'], { cwd: dir }),
      celr(['transfer', 'send', '--help'], { cwd: dir }),
      celr(['transfer'], { cwd: dir }),
      as('northbridge', 'send', '--to', 'la-code:991', '--reason', 'responsibility-moves'),
      as(
        'northbridge',
        'send',
        '--learner',
        '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10',
        '--to',
        '991',
        '--reason',
        'responsibility-moves',
      ),
      as('eastmere', 'list', '--inbox', '--outbox'),
      as('eastmere', 'reject', '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10'),
      as('eastmere', 'approve', '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10'),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^celr transfer: /);
    expect(help.stdout).toMatch(
      /Commands:\n {2}send +.+\n {2}list +.+\n {2}show +.+\n {2}accept +.+\n {2}reject +.+\n {2}cancel +.+\n/,
    );
    expect(sendHelp.code).toBe(0);
    expect(sendHelp.stdout).toMatch(/^celr transfer send: .+\n\nUsage:\n {2}celr transfer send --learner/);
    expect(sendHelp.stdout).toMatch(/Examples:\n {2}\$ celr transfer send --learner \S+ --to la-code:991 /);
    expect(sendHelp.stdout).toContain('[env CELR_CLIENT_SECRET]');
    // `celr transfer` alone: its help, on stderr.
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^celr transfer: /);

    for (const run of [noLearner, badTo, both, noReason, unknown]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      noStack(run.stderr);
    }
    expect([noLearner, badTo, both, noReason, unknown].map((r) => r.stderr.split('\n')[0])).toEqual([
      'celr transfer send: say what goes where and why: --learner <id> missing.',
      'celr transfer send: --to 991: name the recipient as <scheme>:<code>, the scheme one of la-code, council-code, urn, seed-code (e.g. la-code:991).',
      'celr transfer list: --inbox and --outbox: choose one, or neither for both.',
      'celr transfer reject: --reason <text>: say why, for the sender.',
      "celr transfer: unknown command 'approve'. Commands: send, list, show, accept, reject, cancel.",
    ]);
    expect(noLearner.stderr).toContain("Run 'celr transfer send --help' for usage.");
  });

  it('sends, lists, shows, accepts once, and refuses to accept again', async () => {
    const learnerId = await learnerWithRecords(700);
    const sent = await as(
      'northbridge',
      'send',
      '--learner',
      learnerId,
      '--to',
      'la-code:991',
      '--reason',
      'responsibility-moves',
      '--note',
      'Long-term placement in Eastmere from January.',
    );
    expect(sent.code, sent.stderr).toBe(0);
    const id = idIn(sent.stdout);
    expect(id).toBeDefined();
    expect(sent.stdout).toMatch(/^Sent\.\n/);
    expect(sent.stdout).toMatch(/^Status: +pending$/m);
    expect(sent.stdout).toMatch(/^To: +Eastmere County Council \(la-code 991\)$/m);
    expect(sent.stdout).toMatch(/^Records: +1 plan, 2 meetings, 0 transitions$/m);
    expect(sent.stdout).toMatch(/^Signature: +signed by key [A-Za-z0-9_-]{43}$/m);

    const [inbox, ndjson, shown, outboxOfEastmere] = await Promise.all([
      as('eastmere', 'list', '--inbox', '--status', 'pending'),
      as('eastmere', 'list', '--inbox', '--json'),
      as('eastmere', 'show', id, '--bundle', 'incoming.json'),
      as('eastmere', 'list', '--outbox'),
    ]);
    expect(inbox.code, inbox.stderr).toBe(0);
    const lines = inbox.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +DIRECTION +STATUS +REASON +LEARNER +P\/M\/T +CREATED$/);
    expect(lines.find((l) => l.startsWith(id))).toMatch(
      new RegExp(
        `^${id} +inbox +pending +responsibility-moves +${learnerId} +1/2/0 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ$`,
      ),
    );
    expect(inbox.stderr).toBe('1 transfer.\n');
    const items = ndjson.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(items).toEqual([expect.objectContaining({ id, direction: 'inbox', status: 'pending' })]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Direction: +inbox/m);
    expect(shown.stdout).toMatch(/^Note: +Long-term placement in Eastmere from January\.$/m);
    const bundle = JSON.parse(readFileSync(join(dir, 'incoming.json'), 'utf8'));
    expect(bundle.manifest).toMatchObject({ learnerId, reason: 'responsibility-moves' });
    expect(bundle.content.meetings).toHaveLength(2);
    // `celr validate` recognises the saved bundle and checks its digest; a tampered copy fails.
    const tampered = structuredClone(bundle);
    tampered.content.learner.name.family = 'Tampered';
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
    // With the deployment's JWKS it verifies the signature too: the bundle the API sent is signed by
    // Northbridge's key, and a copy whose manifest was changed is not.
    writeFileSync(join(dir, 'jwks.json'), await (await fetch(`${api.baseUrl}/.well-known/jwks.json`)).text());
    writeFileSync(
      join(dir, 'renoted.json'),
      JSON.stringify({ ...bundle, manifest: { ...bundle.manifest, note: 'Changed on the way.' } }),
    );
    const [checked, refused, verified, forged] = await Promise.all([
      celr(['validate', 'incoming.json'], { cwd: dir }),
      celr(['validate', 'tampered.json'], { cwd: dir }),
      celr(['validate', '--jwks', 'jwks.json', 'incoming.json'], { cwd: dir }),
      celr(['validate', '--jwks', 'jwks.json', 'renoted.json'], { cwd: dir }),
    ]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/1 record in 1 file: all valid/);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^tampered\.json: \/manifest\/contentDigest digest-mismatch: /m);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(/^renoted\.json: \/signature bundle-signature-invalid: /m);
    expect(outboxOfEastmere).toMatchObject({ code: 0, stdout: '', stderr: '0 transfers.\n' });

    const accepted = await as('eastmere', 'accept', id);
    expect(accepted.code, accepted.stderr).toBe(0);
    const out = accepted.stdout.split('\n');
    expect(out[0]).toBe(
      `Accepted transfer ${id} (responsibility-moves) from Northbridge Borough Council (la-code 990).`,
    );
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^Learner: +created ${UUID} `)),
        'Plans:       1 created, 0 updated',
        'Meetings:    2 created, 0 updated',
        'Transitions: 0 created, 0 updated',
        'Codes mapped: none',
        'Kept for review: none',
        expect.stringMatching(new RegExp(`^Move: +recorded as transition ${UUID}$`)),
      ]),
    );

    const again = await as('eastmere', 'accept', id);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^celr transfer accept: HTTP 409 The request conflicts with the current state: The transfer is accepted; it can be accepted only while pending\. \(request id .+\)\n$/,
    );

    // The sender sees the outcome, and the result is part of the transfer.
    const [outbox, json] = await Promise.all([
      as('northbridge', 'list', '--outbox'),
      as('northbridge', 'show', id, '--json'),
    ]);
    expect(outbox.stdout).toMatch(new RegExp(`^${id} +outbox +accepted `, 'm'));
    expect(JSON.parse(json.stdout)).toMatchObject({
      id,
      status: 'accepted',
      result: { learner: { outcome: 'created' }, plans: { created: [expect.any(String)] } },
    });
  });

  it('rejects with a reason, lets the sender cancel, and prints what the API refuses', async () => {
    const [first, second] = await Promise.all([learnerWithRecords(701), learnerWithRecords(702)]);
    const sends = await Promise.all(
      [first, second].map((learnerId) =>
        as('northbridge', 'send', '-l', learnerId, '--to', 'la-code:991', '--reason', 'host-authority'),
      ),
    );
    const [toReject, toCancel] = sends.map((s) => idIn(s.stdout)) as [string, string];

    const rejected = await as('eastmere', 'reject', toReject, '--reason', 'Not placed with us.');
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/^Rejected\.\n/);
    expect(rejected.stdout).toMatch(/^Status: +rejected$/m);
    expect(rejected.stdout).toMatch(/^Rejected: +Not placed with us\.$/m);

    const [notYours, cancelled] = [
      await as('eastmere', 'cancel', toCancel),
      await as('northbridge', 'cancel', toCancel),
    ];
    expect(notYours.code).toBe(1);
    expect(notYours.stderr).toMatch(
      /^celr transfer cancel: HTTP 403 .+: Only the sender may cancel a transfer\./,
    );
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/^Status: +cancelled$/m);

    // Sent again, and accepted: a host authority gets access to the live record, not a copy.
    const resent = await as(
      'northbridge',
      'send',
      '-l',
      second,
      '--to',
      'la-code:991',
      '--reason',
      'host-authority',
    );
    const hosted = await as('eastmere', 'accept', idIn(resent.stdout));
    expect(hosted.code, hosted.stderr).toBe(0);
    expect(hosted.stdout).toContain(`Learner:     shared with you (host): ${second}\n`);
    expect(hosted.stdout).toContain('you may write: plan, meeting\n');
    expect(hosted.stdout).toMatch(new RegExp(`^Move: +recorded as transition ${UUID}$`, 'm'));

    const [late, missing, stranger] = await Promise.all([
      as('eastmere', 'accept', toCancel),
      as('eastmere', 'show', '0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10'),
      as('northbridge', 'send', '-l', first, '--to', 'la-code:999', '--reason', 'responsibility-moves'),
    ]);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('The transfer is cancelled; it can be accepted only while pending.');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^celr transfer show: HTTP 404 No such resource/);
    expect(stranger.code).toBe(1);
    noStack(stranger.stderr);
    expect(stranger.stderr).toMatch(/^celr transfer send: HTTP 4\d\d /);

    const inbox = await as('eastmere', 'list', '--inbox', '--json');
    const statuses = Object.fromEntries(
      inbox.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((t) => [t.id, t.status]),
    );
    expect(statuses).toMatchObject({ [toReject]: 'rejected', [toCancel]: 'cancelled' });
    expect(existsSync(join(dir, 'incoming.json'))).toBe(true);
  });

  it('says which codes were mapped and which values were kept for review, England to Scotland', async () => {
    const learnerId = await learnerWithRecords(703, {
      ...englandLearner,
      identifiers: [{ system: 'upn', value: upn(703) }],
    } as LearnerInput);
    const sent = await as(
      'northbridge',
      'send',
      '--learner',
      learnerId,
      '--to',
      'council-code:S12000099',
      '--reason',
      'responsibility-moves',
    );
    expect(sent.code, sent.stderr).toBe(0);
    const id = idIn(sent.stdout);
    const accepted = await as('glenmoray', 'accept', id);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(/^ {2}\/enrolment\/yearGroup: 8 -> S2 \(.+\)$/m);
    expect(accepted.stdout).toMatch(/^Kept for review: 2$/m);
    expect(accepted.stdout).toMatch(/^ {2}\/careStatus\/legalStatus: "C2".*: .+$/m);
    const json = await as('glenmoray', 'show', id, '--json');
    expect(JSON.parse(json.stdout).result.review.map((r: { value: string }) => r.value)).toEqual([
      'C2',
      'U4',
    ]);
  });
});
