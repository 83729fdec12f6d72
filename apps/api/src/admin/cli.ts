#!/usr/bin/env node
/**
 * celr-admin: register organisations, create API clients, rotate and revoke secrets, and record
 * delegations, straight on the database. This is how an operator bootstraps a new deployment (the
 * first operator client), and what they use when the API is not running.
 *
 *   npm run admin -w @celr/api -- <command> [options]
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { describeTermDatesIssue, termDatesFromCsv, termDatesFromJson } from '@celr/schema';
import type { OrganisationKind, Scope } from '../auth/caller.js';
import { DEFAULT_KEY_SETTINGS, publishedKeys, rotateKey } from '../auth/keys.js';
import { ComplianceSettings, type SettingKind } from '../compliance-settings/service.js';
import { configFromEnv } from '../config.js';
import { databaseOptions, openDatabase } from '../db/database.js';
import { definedMembers } from '../http/defined.js';
import { ProblemError } from '../http/problem.js';
import {
  createClient,
  createOrganisation,
  grantDelegation,
  revokeClient,
  revokeDelegation,
  rotateSecret,
} from './organisations.js';

const HELP = `celr-admin <command> [options]

Works on DATABASE_URL (PostgreSQL), or on the embedded database in CELR_DATA_DIR (default ./.data/postgres;
joins the server of a running API, or starts it for the command).

Commands:
  list-organisations
  create-organisation --kind <local-authority|school|vendor|operator> --name <name>
                      [--jurisdiction england|scotland] [--la-code 990|S12000099] [--urn 990001]
                      [--seed-code 5999011] [--authority <organisation id>]
  create-client       --organisation <id> --name <name> [--scope learners:read --scope ...]
                      prints the client id and secret; the secret is shown only this once
  rotate-secret       --client <client id>      prints the new secret; the old one stops working
  revoke-client       --client <client id>      its tokens stop working at once
  delegate            --vendor <id> --organisation <id>   lets a vendor act for an organisation
  revoke-delegation   --vendor <id> --organisation <id>   stops it at once (requests and bulk imports)
  list-delegations    [--vendor <id>]   vendor, organisation, since, and when revoked
  list-keys           the published signing keys (kid, use, organisation, created, retired)
  rotate-key          --use token|bundle [--organisation <id>]   a new key signs from now on; the
                      previous one is honoured until what it signed expires (see docs: security)
  set-compliance-policy --authority <id> --file <policy.json>
                      stores a new version of the authority's PEP compliance policy (a CompliancePolicy)
  set-term-dates      --authority <id> --file <terms.json|terms.csv> [--name <name>] [--source <url>]
                      stores a new version of its term dates; a CSV has a header row and one row per
                      term: term,start,end,half_term_start,half_term_end (dates YYYY-MM-DD)
  show-compliance-policy --authority <id>   the stored policy as JSON (all versions with --all)
  show-term-dates     --authority <id>      the stored term dates as JSON (all versions with --all)

Example: the first operator client of a new deployment
  celr-admin create-organisation --kind operator --name "Platform operator"
  celr-admin create-client --organisation <id printed above> --name "ops" --scope admin`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    kind: { type: 'string' },
    name: { type: 'string' },
    jurisdiction: { type: 'string' },
    'la-code': { type: 'string' },
    urn: { type: 'string' },
    'seed-code': { type: 'string' },
    authority: { type: 'string' },
    organisation: { type: 'string' },
    scope: { type: 'string', multiple: true },
    client: { type: 'string' },
    vendor: { type: 'string' },
    use: { type: 'string' },
    file: { type: 'string' },
    source: { type: 'string' },
    all: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    console.error(`celr-admin: --${name} is required for this command (see --help).`);
    process.exit(2);
  }
  return value;
}

const command = positionals[0];
if (!command || values.help) {
  console.log(HELP);
  process.exit(command || values.help ? 0 : 2);
}

const config = configFromEnv();
const db = await openDatabase(databaseOptions(config, { whenRunning: 'join' }));
try {
  await db.migrate();
  const { prisma } = db;
  // Audit events name the request that caused them; a command run here has no client.
  const actor = { requestId: `celr-admin:${randomUUID()}`, clientId: null };
  switch (command) {
    case 'list-organisations':
      for (const o of await prisma.organisation.findMany({ orderBy: { createdAt: 'asc' } })) {
        console.log(
          `${o.id}  ${o.kind.padEnd(15)} ${o.name}${o.laCode ? `  (${o.laCode})` : ''}${o.urn ? `  URN ${o.urn}` : ''}${o.seedCode ? `  SEED ${o.seedCode}` : ''}`,
        );
      }
      break;
    case 'create-organisation': {
      const org = await createOrganisation(
        prisma,
        definedMembers({
          kind: required('kind') as OrganisationKind,
          name: required('name'),
          jurisdiction: values.jurisdiction as 'england' | 'scotland' | undefined,
          laCode: values['la-code'],
          urn: values.urn,
          seedCode: values['seed-code'],
          authorityId: values.authority,
        }),
      );
      console.log(`created organisation ${org.id} (${org.kind}, ${org.name})`);
      break;
    }
    case 'create-client': {
      const client = await createClient(prisma, {
        organisationId: required('organisation'),
        name: required('name'),
        scopes: values.scope as Scope[] | undefined,
      });
      console.log(
        `client_id=${client.clientId}\nclient_secret=${client.secret}\nscopes=${client.scopes.join(' ')}`,
      );
      break;
    }
    case 'rotate-secret': {
      const rotated = await rotateSecret(prisma, required('client'));
      console.log(`client_id=${rotated.clientId}\nclient_secret=${rotated.secret}`);
      break;
    }
    case 'revoke-client': {
      const revoked = await revokeClient(prisma, required('client'));
      if (!revoked) throw new Error(`no client ${values.client}.`);
      console.log(`revoked ${values.client} (since ${revoked.revokedAt?.toISOString()})`);
      break;
    }
    case 'delegate': {
      const vendorId = required('vendor');
      const organisationId = required('organisation');
      await grantDelegation(prisma, { vendorId, organisationId }, actor);
      console.log(`vendor ${vendorId} may now act for ${organisationId}`);
      break;
    }
    case 'revoke-delegation': {
      const key = { vendorId: required('vendor'), organisationId: required('organisation') };
      if (!(await revokeDelegation(prisma, key, actor)))
        throw new Error(`no delegation in force from ${key.organisationId} to vendor ${key.vendorId}.`);
      console.log(`vendor ${key.vendorId} no longer acts for ${key.organisationId}`);
      break;
    }
    case 'list-delegations':
      for (const d of await prisma.delegation.findMany({
        where: values.vendor ? { vendorId: values.vendor } : {},
        include: { vendor: { select: { name: true } }, organisation: { select: { name: true } } },
        orderBy: { createdAt: 'asc' },
      }))
        console.log(
          `${d.vendorId} ${d.vendor.name} -> ${d.organisationId} ${d.organisation.name}  since ${d.createdAt.toISOString()}${d.revokedAt ? `  revoked ${d.revokedAt.toISOString()}` : ''}`,
        );
      break;
    case 'list-keys':
      for (const k of await publishedKeys(prisma))
        console.log(
          `${k.kid}  ${k.use.padEnd(6)} ${k.organisationId ?? 'deployment'.padEnd(36)}  created ${k.createdAt.toISOString()}${k.retiredAt ? `  retired ${k.retiredAt.toISOString()}, published until ${k.publishUntil?.toISOString()}` : '  (signing)'}`,
        );
      break;
    case 'rotate-key': {
      const use = required('use');
      if (use !== 'token' && use !== 'bundle') throw new Error('--use is token or bundle.');
      if (use === 'bundle' && !values.organisation)
        throw new Error('--organisation is required for a bundle key.');
      const key = await rotateKey(prisma, use, use === 'bundle' ? values.organisation! : null, {
        ...DEFAULT_KEY_SETTINGS,
        ...config.keys,
        tokenTtlSeconds: config.tokens.ttlSeconds,
      });
      console.log(
        `new ${use} key ${key.kid}; running API processes sign with it within ${config.keys.refreshMs / 1000} s`,
      );
      break;
    }
    case 'set-compliance-policy':
    case 'set-term-dates': {
      const kind: SettingKind = command === 'set-term-dates' ? 'term-dates' : 'compliance-policy';
      const authority = required('authority');
      const file = required('file');
      const text = await readFile(file, 'utf8');
      let document: unknown;
      if (kind === 'term-dates') {
        const read = /\.csv$/i.test(file)
          ? termDatesFromCsv(text, {
              name: values.name ?? basename(file, extname(file)),
              ...(values.source ? { source: values.source } : {}),
            })
          : termDatesFromJson(text);
        if (!read.ok) {
          for (const issue of read.issues) console.error(describeTermDatesIssue(file, issue));
          throw new Error(`${file}: ${read.issues.length} fault(s); nothing was stored.`);
        }
        document = read.termDates;
      } else {
        try {
          document = JSON.parse(text);
        } catch (error) {
          throw new Error(`${file}: not JSON: ${(error as Error).message}`);
        }
      }
      try {
        const stored = await new ComplianceSettings(prisma).replace(
          { admin: { requestId: actor.requestId } },
          authority,
          kind,
          document,
        );
        console.log(`stored version ${stored.version} of ${authority}'s ${kind}`);
      } catch (error) {
        if (!(error instanceof ProblemError)) throw error;
        // The same faults the API answers with: the document's JSON pointer, the rule and why.
        for (const issue of error.extra.errors ?? [])
          console.error(`${file}: ${issue.pointer || '(document)'}: ${issue.message} (${issue.rule})`);
        throw new Error(
          `${error.detail ?? error.message}${error.extra.errors ? ' Nothing was stored.' : ''}`,
        );
      }
      break;
    }
    case 'show-compliance-policy':
    case 'show-term-dates': {
      const kind: SettingKind = command === 'show-term-dates' ? 'term-dates' : 'compliance-policy';
      const settings = new ComplianceSettings(prisma);
      const authority = required('authority');
      const versions = values.all
        ? await settings.versions(authority, kind)
        : [await settings.current(authority, kind)].filter((v) => v !== undefined);
      if (!versions.length) throw new Error(`${authority} has no stored ${kind}.`);
      console.log(JSON.stringify(values.all ? versions : versions[0], null, 2));
      break;
    }
    default:
      console.error(`celr-admin: unknown command '${command}'.\n\n${HELP}`);
      process.exitCode = 2;
  }
} catch (error) {
  console.error(`celr-admin: ${error instanceof Error ? error.message.split('\n').at(-1) : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
