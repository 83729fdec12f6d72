import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  TRANSFER_REASONS,
  TRANSFER_RECIPIENT_SCHEMES,
  TRANSFER_STATUSES,
  type TransferDirection,
  type TransferReason,
  type TransferRecipientScheme,
  type TransferStatus,
} from '@celr/schema';
import type { CelrClient } from '../../client.js';
import { type CelrProblemError, isCelrProblem } from '../../errors.js';
import type { components } from '../../generated/api.js';
import {
  type CliIO,
  type Command,
  EXIT,
  type OptionSpecs,
  UsageError,
  type Values,
  writeTo,
} from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';

export type Transfer = components['schemas']['Transfer'];
type Box = TransferDirection;

type Reason = TransferReason;
type Scheme = TransferRecipientScheme;
type Status = TransferStatus;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const json = { type: 'boolean', description: 'Print the transfer as the API returns it (JSON).' } as const;

// ---------------------------------------------------------------------------------------------------
// Shared plumbing

type Run<O extends OptionSpecs> = (input: {
  values: Values<O>;
  positionals: string[];
  io: CliIO;
  client: CelrClient;
}) => Promise<number>;

/**
 * A subcommand that talks to the API. Problems the API answers with (404, 409 already decided, 422...)
 * are printed with their title, detail and field errors, and exit 1.
 */
function apiCommand<O extends OptionSpecs>(
  spec: Omit<Command<O>, 'run'>,
  check: (values: Values<O>, positionals: string[]) => void,
  run: Run<O>,
): Command<O> {
  const name = `celr transfer ${spec.name}`;
  return {
    ...spec,
    async run({ values, positionals, io }) {
      check(values, positionals);
      const connection = connectionFrom(values as Values<typeof connectionOptions>, io);
      const client = clientFor(connection, (event) => io.stderr.write(`${name}: ${describeRetry(event)}\n`));
      try {
        return await run({ values, positionals, io, client });
      } catch (error) {
        if (!isCelrProblem(error)) throw error;
        io.stderr.write(describeApiProblem(name, error));
        return EXIT.failed;
      }
    },
  };
}

/** `celr transfer accept: HTTP 409 <title>: <detail> (request id ...)`, then one line per field error. */
export function describeApiProblem(name: string, error: CelrProblemError): string {
  const status = error.status ? `HTTP ${error.status} ` : '';
  const detail = error.detail && error.detail !== error.title ? `: ${error.detail}` : '';
  const id = error.requestId ? ` (request id ${error.requestId})` : '';
  const lines = [`${name}: ${status}${error.title}${detail}${id}`];
  for (const issue of error.errors)
    lines.push(`  ${issue.pointer || '(body)'} ${issue.rule}: ${issue.message}`);
  return `${lines.join('\n')}\n`;
}

/** Exactly one positional: the transfer's id. */
function oneId(positionals: string[]): void {
  if (positionals.length === 0) throw new UsageError('name the transfer: its id (see `celr transfer list`).');
  if (positionals.length > 1) throw new UsageError(`name one transfer, not ${positionals.length}.`);
  const [id] = positionals as [string];
  if (!UUID.test(id)) throw new UsageError(`${id}: a transfer id is a UUID (see \`celr transfer list\`).`);
}

function noPositionals(positionals: string[]): void {
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}.`);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const records = (c: Transfer['counts']) =>
  `${plural(c.plans, 'plan')}, ${plural(c.meetings, 'meeting')}, ${plural(c.transitions, 'transition')}`;

const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-');

/** An organisation as the transfer names it: its name, and its code from the manifest. */
function organisation(party: Record<string, unknown>, ref: { scheme: string; code: string; name?: string }) {
  const reference = party.reference as { name?: string } | undefined;
  const name = (party.name as string | undefined) ?? reference?.name ?? ref.name;
  return name ? `${name} (${ref.scheme} ${ref.code})` : `${ref.scheme} ${ref.code}`;
}

/** What stands behind the bundle: the key that signed it, or a warning that nothing does. */
function signature(s: Transfer['signature']) {
  if (s.state === 'unsigned') return 'UNSIGNED: nothing proves who sent it';
  return `${s.state === 'verified' ? 'verified, signed' : 'signed'} by key ${s.kid}`;
}

/** The transfer, one field a line, for people. */
export function formatTransfer(t: Transfer): string {
  const rows: [string, string][] = [
    ['Transfer', t.id],
    ['Status', `${t.status}${t.overdue ? ' (OVERDUE: pending longer than it should be)' : ''}`],
    ['Direction', t.direction === 'inbox' ? 'inbox (you receive it)' : 'outbox (you sent it)'],
    ['Reason', t.reason],
    ['From', organisation(t.sender, t.manifest.sender)],
    ['To', organisation(t.recipient, t.manifest.recipient)],
    ['Learner', t.learnerId ?? t.manifest.learnerId],
    ['Records', records(t.counts)],
    ['Signature', signature(t.signature)],
    ...(t.note ? ([['Note', t.note]] as [string, string][]) : []),
    ['Created', when(t.createdAt)],
    ...(t.decidedAt ? ([['Decided', when(t.decidedAt)]] as [string, string][]) : []),
    ...(t.rejectionReason ? ([['Rejected', t.rejectionReason]] as [string, string][]) : []),
  ];
  return `${rows.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`).join('\n')}\n`;
}

const field = (label: string, value: string) => `${`${label}:`.padEnd(13)}${value}`;

/** What accepting did, for people. */
export function formatResult(t: Transfer): string {
  const result = t.result;
  const lines = [
    `Accepted transfer ${t.id} (${t.reason}) from ${organisation(t.sender, t.manifest.sender)}.`,
  ];
  if (!result) return `${lines.join('\n')}\n`;
  if ('shared' in result) {
    const { learnerId, basis, grants } = result.shared;
    lines.push(
      field('Learner', `shared with you (${basis}): ${learnerId}`),
      `${' '.repeat(13)}you may write: ${grants.length ? grants.join(', ') : 'nothing'}`,
    );
  }
  if ('learner' in result) {
    const l = result.learner;
    lines.push(
      l.outcome === 'created'
        ? field('Learner', `created ${l.id} (you held no learner with the same UPN, SCN or ULN)`)
        : field('Learner', `matched ${l.id} on ${l.matchedBy.join(', ')}`),
    );
    if (l.conflicts.length)
      lines.push(
        `${' '.repeat(13)}changed: ${l.conflicts.join(', ')} (the earlier values stay in its history)`,
      );
    for (const kind of ['plans', 'meetings', 'transitions'] as const) {
      const outcome = result[kind];
      lines.push(
        field(
          `${kind[0]!.toUpperCase()}${kind.slice(1)}`,
          `${outcome.created.length} created, ${outcome.updated.length} updated`,
        ),
      );
    }
    lines.push(`Codes mapped: ${result.mapped.length || 'none'}`);
    for (const m of result.mapped) lines.push(`  ${m.pointer}: ${m.from} -> ${m.to} (${m.list})`);
    lines.push(`Kept for review: ${result.review.length || 'none'}`);
    for (const r of result.review) {
      const label = r.label ? ` "${r.label}"` : '';
      lines.push(`  ${r.pointer}: ${JSON.stringify(r.value)}${label} (${r.list ?? 'no list'}): ${r.reason}`);
    }
    if (result.droppedLinks.length) {
      lines.push(`Links dropped: ${result.droppedLinks.length}`);
      for (const d of result.droppedLinks) lines.push(`  ${d.pointer}: ${d.reason}`);
    }
  }
  if (result.transition) {
    const { id, linked } = result.transition;
    lines.push(
      field(
        'Move',
        linked
          ? `the sender's planned transition, completed in your copy: ${id}`
          : `recorded as transition ${id}`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

const TABLE_HEADINGS = ['ID', 'DIRECTION', 'STATUS', 'REASON', 'LEARNER', 'P/M/T', 'CREATED', ''];

function tableRow(t: Transfer): string[] {
  const c = t.counts;
  return [
    t.id,
    t.direction,
    t.status,
    t.reason,
    t.learnerId ?? t.manifest.learnerId,
    `${c.plans}/${c.meetings}/${c.transitions}`,
    when(t.createdAt),
    t.overdue ? 'OVERDUE' : '',
  ];
}

function formatTable(rows: string[][]): string {
  const widths = TABLE_HEADINGS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd()).join('\n');
}

function printTransfer(io: CliIO, transfer: Transfer, asJson: boolean | undefined, text: string) {
  io.stdout.write(asJson ? `${JSON.stringify(transfer, null, 2)}\n` : text);
}

// ---------------------------------------------------------------------------------------------------
// The subcommands

const sendOptions = {
  learner: { type: 'string', short: 'l', value: '<id>', description: 'The learner whose records go (id).' },
  to: {
    type: 'string',
    value: '<scheme:code>',
    description: `The recipient: ${TRANSFER_RECIPIENT_SCHEMES.join(', ')}, a colon and the code, e.g. la-code:991.`,
  },
  reason: {
    type: 'string',
    value: '<reason>',
    description: `Why: ${TRANSFER_REASONS.join(', ')}.`,
  },
  note: { type: 'string', value: '<text>', description: 'A note for the recipient.' },
  json,
  ...connectionOptions,
} as const satisfies OptionSpecs;

const send = apiCommand<typeof sendOptions>(
  {
    name: 'send',
    summary: "Send a learner's records to another organisation",
    usage: ['transfer send --learner <id> --to <scheme:code> --reason <reason> [--note <text>]'],
    description:
      "Offers the learner and all their plans, meetings and transitions, as they are now, to the recipient, who accepts or rejects it. `responsibility-moves` gives the learner's records to the authority that becomes responsible (they get their own copy); `host-authority` shares the live record with the authority the learner is placed in; `school-move` shares it with the new school. Prints the transfer's id, its status and what it carries.",
    options: sendOptions,
    examples: [
      {
        command:
          'celr transfer send --learner 0b9f2c7e-5d1a-4c53-9f7e-2a6d8e1c4b10 --to la-code:991 --reason responsibility-moves --note "Long-term placement in Eastmere from January."',
        says: 'Offers the learner and their records to the authority with LA code 991.',
      },
    ],
  },
  (values, positionals) => {
    noPositionals(positionals);
    const missing = [
      !values.learner && '--learner <id>',
      !values.to && '--to <scheme:code>',
      !values.reason && '--reason <reason>',
    ].filter(Boolean);
    if (missing.length) throw new UsageError(`say what goes where and why: ${missing.join(', ')} missing.`);
    if (!UUID.test(values.learner!))
      throw new UsageError(
        `--learner ${values.learner}: a learner id is a UUID (the "id" the API gives it).`,
      );
    recipientOf(values.to!);
    if (!TRANSFER_REASONS.includes(values.reason as Reason))
      throw new UsageError(`--reason ${values.reason}: use one of ${TRANSFER_REASONS.join(', ')}.`);
    if (values.note === '') throw new UsageError('--note: give some text, or leave the option out.');
  },
  async ({ values, io, client }) => {
    const transfer = await client.POST('/v1/transfers', {
      body: {
        learnerId: values.learner!,
        recipient: recipientOf(values.to!),
        reason: values.reason as Reason,
        ...(values.note ? { note: values.note } : {}),
      },
    });
    printTransfer(io, transfer, values.json, `Sent.\n${formatTransfer(transfer)}`);
    return EXIT.ok;
  },
);

function recipientOf(to: string): { scheme: Scheme; code: string } {
  const at = to.indexOf(':');
  const scheme = to.slice(0, at) as Scheme;
  const code = to.slice(at + 1);
  if (at < 1 || !TRANSFER_RECIPIENT_SCHEMES.includes(scheme) || !code) {
    throw new UsageError(
      `--to ${to}: name the recipient as <scheme>:<code>, the scheme one of ${TRANSFER_RECIPIENT_SCHEMES.join(', ')} (e.g. la-code:991).`,
    );
  }
  return { scheme, code };
}

const listOptions = {
  inbox: { type: 'boolean', description: 'Only transfers you receive.' },
  outbox: { type: 'boolean', description: 'Only transfers you send.' },
  status: { type: 'string', value: '<status>', description: `Only these: ${TRANSFER_STATUSES.join(', ')}.` },
  overdue: { type: 'boolean', description: 'Only pending transfers waiting longer than they should.' },
  json: { type: 'boolean', description: 'Print one transfer a line (NDJSON), as the API returns them.' },
  ...connectionOptions,
} as const satisfies OptionSpecs;

const list = apiCommand<typeof listOptions>(
  {
    name: 'list',
    summary: 'List the transfers you send and receive',
    usage: ['transfer list [--inbox | --outbox] [--status <status>] [--overdue] [--json]'],
    description:
      'Lists transfers, oldest first, across all pages: id, direction, status, reason, the learner (their id at the sender), the plans/meetings/transitions carried, when it was sent, and OVERDUE for a pending transfer waiting longer than it should. A count goes to stderr.',
    options: listOptions,
    examples: [
      { command: 'celr transfer list --inbox --status pending', says: 'What is waiting for you to decide.' },
      { command: 'celr transfer list --overdue --json', says: 'Overdue transfers, as NDJSON.' },
    ],
    exitCodes: ['130 interrupted (Ctrl-C)'],
  },
  (values, positionals) => {
    noPositionals(positionals);
    if (values.inbox && values.outbox)
      throw new UsageError('--inbox and --outbox: choose one, or neither for both.');
    if (values.status !== undefined && !TRANSFER_STATUSES.includes(values.status as Status))
      throw new UsageError(`--status ${values.status}: use one of ${TRANSFER_STATUSES.join(', ')}.`);
  },
  async ({ values, io, client }) => {
    const box: Box | undefined = values.inbox ? 'inbox' : values.outbox ? 'outbox' : undefined;
    const query = {
      ...(box ? { box } : {}),
      ...(values.status ? { status: values.status as Status } : {}),
      ...(values.overdue ? { overdue: true } : {}),
    };
    const rows: string[][] = [TABLE_HEADINGS];
    let count = 0;
    let overdue = 0;
    for await (const transfer of client.paginate('/v1/transfers', { params: { query } })) {
      if (io.signal.aborted) {
        io.stderr.write('Interrupted.\n');
        return EXIT.interrupted;
      }
      count++;
      if (transfer.overdue) overdue++;
      if (values.json) await writeTo(io.stdout, `${JSON.stringify(transfer)}\n`);
      else rows.push(tableRow(transfer));
    }
    if (!values.json && count) io.stdout.write(`${formatTable(rows)}\n`);
    io.stderr.write(`${plural(count, 'transfer')}${overdue ? `, ${overdue} overdue` : ''}.\n`);
    return EXIT.ok;
  },
);

const showOptions = {
  bundle: {
    type: 'string',
    value: '<file>',
    description: 'Also write the records it carries (the bundle, JSON) to this file.',
  },
  json,
  ...connectionOptions,
} as const satisfies OptionSpecs;

const show = apiCommand<typeof showOptions>(
  {
    name: 'show',
    summary: 'Show one transfer, and save the records it carries',
    usage: ['transfer show <id> [--bundle <file.json>] [--json]'],
    description:
      "Prints the transfer: status, reason, sender and recipient, the learner and what it carries, and what accepting did. With --bundle, the records as sent (the learner, plans, meetings and transitions, with the manifest and its digest) are written to a file, so the recipient can read them before deciding; reading them is recorded in the learner's audit trail.",
    options: showOptions,
    examples: [
      {
        command: 'celr transfer show 5f1c6a0e-3d2b-4e7f-9a8c-1b2d3e4f5a6b --bundle incoming.json',
        says: 'Shows the transfer and writes what it carries to incoming.json.',
      },
    ],
  },
  (values, positionals) => {
    oneId(positionals);
    if (values.bundle === '') throw new UsageError('--bundle: name the file to write.');
  },
  async ({ values, positionals, io, client }) => {
    const id = positionals[0]!;
    const transfer = await client.GET('/v1/transfers/{id}', { params: { path: { id } } });
    if (values.bundle) {
      const bundle = await client.GET('/v1/transfers/{id}/bundle', { params: { path: { id } } });
      await writeFile(resolve(io.cwd, values.bundle), `${JSON.stringify(bundle, null, 2)}\n`);
      io.stderr.write(`Bundle written to ${values.bundle}.\n`);
    }
    const decided = transfer.result ? `\n${formatResult(transfer)}` : '';
    printTransfer(io, transfer, values.json, `${formatTransfer(transfer)}${decided}`);
    return EXIT.ok;
  },
);

const acceptOptions = {
  json: { type: 'boolean', description: 'Print the transfer with its full result (JSON).' },
  ...connectionOptions,
} as const satisfies OptionSpecs;

const accept = apiCommand<typeof acceptOptions>(
  {
    name: 'accept',
    summary: 'Accept a transfer you receive',
    usage: ['transfer accept <id> [--json]'],
    description:
      "Accepts the transfer: everything is imported in one transaction, or nothing. For responsibility-moves the records are copied into learners you hold: the learner is matched to yours by UPN, SCN or ULN (or created), records from an earlier transfer are updated rather than duplicated, codes of the other nation are mapped or kept in the learner's review list, and a transition records the move. For host-authority and school-move you are given access to the live record. Prints what happened; a transfer already decided is refused (409, exit 1).",
    options: acceptOptions,
    examples: [
      {
        command: 'celr transfer accept 5f1c6a0e-3d2b-4e7f-9a8c-1b2d3e4f5a6b',
        says: 'Imports the records and prints what matched, what was created and what to review.',
      },
    ],
  },
  (_values, positionals) => oneId(positionals),
  async ({ values, positionals, io, client }) => {
    const id = positionals[0]!;
    const transfer = await client.POST('/v1/transfers/{id}/accept', { params: { path: { id } } });
    printTransfer(io, transfer, values.json, formatResult(transfer));
    return EXIT.ok;
  },
);

const rejectOptions = {
  reason: { type: 'string', value: '<text>', description: 'Why, for the sender (required).' },
  json,
  ...connectionOptions,
} as const satisfies OptionSpecs;

const reject = apiCommand<typeof rejectOptions>(
  {
    name: 'reject',
    summary: 'Reject a transfer you receive',
    usage: ['transfer reject <id> --reason <text> [--json]'],
    description:
      'Refuses the transfer, telling the sender why; nothing is imported. Only a pending transfer can be rejected.',
    options: rejectOptions,
    examples: [
      {
        command:
          'celr transfer reject 5f1c6a0e-3d2b-4e7f-9a8c-1b2d3e4f5a6b --reason "Not placed with us: please check the address."',
        says: 'Rejects it; the sender sees the reason.',
      },
    ],
  },
  (values, positionals) => {
    oneId(positionals);
    if (!values.reason?.trim()) throw new UsageError('--reason <text>: say why, for the sender.');
  },
  async ({ values, positionals, io, client }) => {
    const id = positionals[0]!;
    const transfer = await client.POST('/v1/transfers/{id}/reject', {
      params: { path: { id } },
      body: { reason: values.reason! },
    });
    printTransfer(io, transfer, values.json, `Rejected.\n${formatTransfer(transfer)}`);
    return EXIT.ok;
  },
);

const cancelOptions = { json, ...connectionOptions } as const satisfies OptionSpecs;

const cancel = apiCommand<typeof cancelOptions>(
  {
    name: 'cancel',
    summary: 'Cancel a transfer you sent, before it is accepted',
    usage: ['transfer cancel <id> [--json]'],
    description:
      'Withdraws a transfer you sent while it is still pending; the recipient can no longer accept it.',
    options: cancelOptions,
    examples: [
      {
        command: 'celr transfer cancel 5f1c6a0e-3d2b-4e7f-9a8c-1b2d3e4f5a6b',
        says: 'Withdraws the offer.',
      },
    ],
  },
  (_values, positionals) => oneId(positionals),
  async ({ values, positionals, io, client }) => {
    const id = positionals[0]!;
    const transfer = await client.POST('/v1/transfers/{id}/cancel', { params: { path: { id } } });
    printTransfer(io, transfer, values.json, `Cancelled.\n${formatTransfer(transfer)}`);
    return EXIT.ok;
  },
);

export const transferCommand: Command = {
  name: 'transfer',
  summary: "Send a learner's records to another organisation, and accept or reject what you receive",
  usage: ['transfer <send|list|show|accept|reject|cancel> [options]', 'transfer <command> --help'],
  description:
    "Transfers move a learner's records between organisations: when another authority becomes responsible (responsibility-moves), when a learner is placed in another authority's area (host-authority), or when they change school (school-move). The sender sends; the recipient lists its inbox, reads the transfer and accepts or rejects it; the sender may cancel while it is pending.",
  options: {},
  examples: [
    {
      command: 'celr transfer send --learner <id> --to la-code:991 --reason responsibility-moves',
      says: 'Offers the learner and their records to the authority with LA code 991.',
    },
    { command: 'celr transfer list --inbox --status pending', says: 'What is waiting for you.' },
    { command: 'celr transfer accept <id>', says: 'Imports the records and says what happened.' },
  ],
  subcommands: [send, list, show, accept, reject, cancel] as Command[],
};
