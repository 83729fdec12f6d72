import { unwrap } from '../../client.js';
import { isCelrProblem } from '../../errors.js';
import type { components } from '../../generated/api.js';
import { type Command, EXIT, type OptionSpecs, UsageError } from '../command.js';
import { clientFor, connectionFrom, connectionOptions, describeRetry } from '../connection.js';
import { describeApiProblem } from './transfer.js';

export type Me = components['schemas']['Me'];

const options = {
  json: { type: 'boolean', description: 'Print the answer as the API returns it (JSON).' },
  ...connectionOptions,
} as const satisfies OptionSpecs;

const codeOf = (o: { scheme: string | null; code: string | null }) =>
  o.scheme && o.code ? `${o.scheme} ${o.code}` : '';

/** The answer of GET /v1/me, for people: who the client is and, for a vendor, whom it may act for. */
export function formatMe(me: Me): string {
  const org = me.organisation;
  const lines = [
    `Client:        ${me.client.id} (${me.client.name})`,
    `Organisation:  ${org.id}  ${org.name} (${[org.kind, codeOf(org)].filter(Boolean).join(', ')})`,
    `Scopes:        ${me.scopes.join(' ') || 'none'}`,
  ];
  if (me.actingFor.id !== org.id) lines.push(`Acting for:    ${me.actingFor.id}  ${me.actingFor.name}`);
  if (org.kind === 'vendor') {
    lines.push(
      me.delegatedBy.length
        ? 'Acts for (send the id as CELR_ON_BEHALF_OF / --on-behalf-of):'
        : 'Acts for:      no organisation has delegated to this vendor yet; ask the operator.',
    );
    for (const d of me.delegatedBy) lines.push(`  ${d.id}  ${d.name}${d.code ? ` (${codeOf(d)})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export const whoamiCommand: Command<typeof options> = {
  name: 'whoami',
  summary: 'Show the client, its organisation and scopes, and whom a vendor acts for',
  usage: ['whoami [--json]'],
  description:
    'Asks the API who the client is (GET /v1/me): its client id, its organisation (id, kind and public code) and the scopes of its token. For a vendor, it lists the organisations that have delegated to it, with the id to give as CELR_ON_BEHALF_OF (or --on-behalf-of) to act for each. With --on-behalf-of it checks that the delegation is in force.',
  options,
  examples: [
    { command: 'celr whoami', says: 'Who the client in CELR_CLIENT_ID is.' },
    { command: 'celr whoami --json', says: 'The same, as JSON.' },
  ],
  async run({ values, positionals, io }) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}.`);
    const connection = connectionFrom(values, io);
    const client = clientFor(connection, (event) =>
      io.stderr.write(`celr whoami: ${describeRetry(event)}\n`),
    );
    try {
      const me = unwrap(await client.raw.GET('/v1/me', { signal: io.signal })) as Me;
      io.stdout.write(values.json ? `${JSON.stringify(me, null, 2)}\n` : formatMe(me));
      return EXIT.ok;
    } catch (error) {
      if (!isCelrProblem(error)) throw error;
      io.stderr.write(describeApiProblem('celr whoami', error));
      return EXIT.failed;
    }
  },
};
