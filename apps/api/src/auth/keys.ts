import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { JWK_SENDER_MEMBER, JWK_USE_MEMBER } from '@celr/schema';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export type KeyUse = 'token' | 'bundle';
export const KEY_ALG = 'ES256';

type Db = Pick<Prisma.TransactionClient, 'keyPair'>;
type KeyRow = Awaited<ReturnType<PrismaClient['keyPair']['findFirstOrThrow']>>;

export interface KeySettings {
  /** The longest an access token lives (seconds): a retired token key is honoured this long, plus slack. */
  tokenTtlSeconds: number;
  /** How long a retired bundle key stays published, so bundles it signed still verify (days). */
  bundleKeyOverlapDays: number;
  /** How often a process re-reads the keys, so a rotation made elsewhere reaches it (ms). */
  refreshMs: number;
  /** When set, private keys are stored encrypted (AES-256-GCM) with a key derived from it. */
  encryptionKey?: string | undefined;
}

export const DEFAULT_KEY_SETTINGS: KeySettings = {
  tokenTtlSeconds: 900,
  bundleKeyOverlapDays: 90,
  refreshMs: 30_000,
};

/** A published key: what the JWKS serves for it, never a private member. */
export interface PublishedKey {
  kid: string;
  use: KeyUse;
  organisationId: string | null;
  createdAt: Date;
  retiredAt: Date | null;
  publishUntil: Date | null;
  jwk: JWK;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/** A JWK with only public members, whatever it held. */
export function publicOnly(jwk: JWK): JWK {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(jwk)) if (!PRIVATE_MEMBERS.includes(k)) out[k] = v;
  return out as JWK;
}

const cipherKey = (secret: string) => createHash('sha256').update(`celr-key-encryption:${secret}`).digest();

const SEALED_PREFIX = 'enc:v1:';
export const isSealed = (stored: string) => stored.startsWith(SEALED_PREFIX);

/**
 * A secret as stored: as is without an operator's key, otherwise `enc:v1:` + AES-256-GCM (random IV,
 * tag) under a key derived from CELR_KEY_ENCRYPTION_KEY. Private signing keys and webhook secrets use it.
 */
export function sealText(plain: string, secret: string | undefined): string {
  if (!secret) return plain;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cipherKey(secret), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${data.toString('base64url')}`;
}

/** The plain text of what sealText stored; text stored before a key was set is returned as it is. */
export function openText(stored: string, secret: string | undefined, what = 'A signing key'): string {
  if (!isSealed(stored)) return stored;
  if (!secret) throw new Error(`${what} is encrypted, but CELR_KEY_ENCRYPTION_KEY is not set: set it.`);
  const [iv, tag, data] = stored.slice(SEALED_PREFIX.length).split('.') as [string, string, string];
  const decipher = createDecipheriv('aes-256-gcm', cipherKey(secret), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/** The private JWK as stored: JSON, or AES-256-GCM under the operator's key. */
export function sealPrivate(jwk: JWK, secret: string | undefined): string {
  return sealText(JSON.stringify(jwk), secret);
}

export function openPrivate(stored: string, secret: string | undefined): JWK {
  return JSON.parse(openText(stored, secret)) as JWK;
}

/** Create a key pair row (kid = RFC 7638 thumbprint), in the given client or transaction. */
async function createKey(db: Db, use: KeyUse, organisationId: string | null, settings: KeySettings) {
  const { privateKey, publicKey } = await generateKeyPair(KEY_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return db.keyPair.create({
    data: {
      kid,
      use,
      organisationId,
      alg: KEY_ALG,
      publicJwk: { ...publicJwk, kid, alg: KEY_ALG, use: 'sig' } as never,
      privateJwk: sealPrivate({ ...privateJwk, kid, alg: KEY_ALG }, settings.encryptionKey),
    },
  });
}

const overlapMs = (use: KeyUse, settings: KeySettings) =>
  use === 'token'
    ? (settings.tokenTtlSeconds + 60) * 1000 + settings.refreshMs
    : settings.bundleKeyOverlapDays * 86_400_000;

/** The key that signs now for (use, organisation): the newest one not retired; created when there is none. */
export async function activeKey(db: Db, use: KeyUse, organisationId: string | null, settings: KeySettings) {
  const found = await db.keyPair.findFirst({
    where: { use, organisationId, retiredAt: null },
    orderBy: [{ createdAt: 'desc' }, { kid: 'asc' }],
  });
  return found ?? createKey(db, use, organisationId, settings);
}

/**
 * Start signing with a new key. The keys it replaces are retired but stay published (and accepted)
 * until what they signed has expired: a token's lifetime for token keys, the overlap days for bundle keys.
 */
export async function rotateKey(
  prisma: PrismaClient,
  use: KeyUse,
  organisationId: string | null,
  settings: KeySettings,
) {
  return prisma.$transaction(async (tx) => {
    const now = new Date();
    await tx.keyPair.updateMany({
      where: { use, organisationId, retiredAt: null },
      data: { retiredAt: now, publishUntil: new Date(now.getTime() + overlapMs(use, settings)) },
    });
    return createKey(tx, use, organisationId, settings);
  });
}

/** Keys that are published now: active ones, and retired ones until their publishUntil. */
export async function publishedKeys(db: Db): Promise<KeyRow[]> {
  return db.keyPair.findMany({
    where: { OR: [{ publishUntil: null }, { publishUntil: { gt: new Date() } }] },
    orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }],
  });
}

/** A signing key ready to use: its kid and private key (never logged, never served). */
export interface Signer {
  kid: string;
  key: CryptoKey;
}

export async function signerOf(row: KeyRow, settings: KeySettings): Promise<Signer> {
  const jwk = openPrivate(row.privateJwk, settings.encryptionKey);
  return { kid: row.kid, key: (await importJWK(jwk, KEY_ALG)) as CryptoKey };
}

/**
 * The keys of this deployment as every API process sees them: read from the database, cached, and
 * re-read every `refreshMs` or at once when a token names a kid the cache does not hold (at most once a second).
 */
export class KeyStore {
  private loadedAt = 0;
  private loading: Promise<void> | undefined;
  private published = new Map<string, { row: KeyRow; key?: CryptoKey }>();
  private signers = new Map<string, Signer>();
  private lastMissReload = 0;

  constructor(
    private readonly prisma: PrismaClient,
    readonly settings: KeySettings,
  ) {}

  private async reload() {
    this.loading ??= (async () => {
      try {
        const rows = await publishedKeys(this.prisma);
        const next = new Map<string, { row: KeyRow; key?: CryptoKey }>();
        for (const row of rows) next.set(row.kid, this.published.get(row.kid) ?? { row });
        for (const row of rows) next.get(row.kid)!.row = row;
        this.published = next;
        this.loadedAt = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
  }

  private async fresh() {
    if (Date.now() - this.loadedAt > this.settings.refreshMs) await this.reload();
  }

  /** The signer for tokens (organisationId undefined) or for an organisation's bundles. */
  async signer(use: KeyUse, organisationId: string | null = null): Promise<Signer> {
    await this.fresh();
    let row = [...this.published.values()]
      .map((p) => p.row)
      .filter((r) => r.use === use && r.organisationId === organisationId && !r.retiredAt)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.kid.localeCompare(b.kid))[0];
    if (!row) {
      row = await activeKey(this.prisma, use, organisationId, this.settings);
      await this.reload();
    }
    return this.signerFor(row);
  }

  /**
   * The signer for (use, organisation) read through the caller's transaction, creating the key there
   * when there is none, so a key and what it first signs are committed together. The published cache is
   * not touched (reading it outside the transaction would wait for it on PGlite); it takes the new key
   * up on its next reload, and a verification naming an unknown kid reloads at once.
   */
  async signerIn(db: Db, use: KeyUse, organisationId: string | null): Promise<Signer> {
    return this.signerFor(await activeKey(db, use, organisationId, this.settings));
  }

  /** The private key of a row, imported once per kid. */
  private async signerFor(row: KeyRow): Promise<Signer> {
    let signer = this.signers.get(row.kid);
    if (!signer) {
      signer = await signerOf(row, this.settings);
      this.signers.set(row.kid, signer);
    }
    return signer;
  }

  /** The public key a kid names, if it is published for this use; reloads once on an unknown kid. */
  async verificationKey(kid: string, use: KeyUse): Promise<CryptoKey | undefined> {
    await this.fresh();
    let entry = this.published.get(kid);
    if (!entry && Date.now() - this.lastMissReload > 1000) {
      this.lastMissReload = Date.now();
      await this.reload();
      entry = this.published.get(kid);
    }
    if (!entry || entry.row.use !== use) return undefined;
    entry.key ??= (await importJWK(entry.row.publicJwk as JWK, KEY_ALG)) as CryptoKey;
    return entry.key;
  }

  /** A published bundle key by kid, with the organisation it signs for (null: the deployment). */
  async bundleKey(kid: string): Promise<PublishedKey | undefined> {
    await this.fresh();
    if (!this.published.has(kid)) await this.reload();
    const row = this.published.get(kid)?.row;
    return row?.use === 'bundle' ? toPublished(row) : undefined;
  }

  async rotate(use: KeyUse, organisationId: string | null = null) {
    const row = await rotateKey(this.prisma, use, organisationId, this.settings);
    await this.reload();
    return toPublished(row);
  }

  /** Every published key, public members only. */
  async list(): Promise<PublishedKey[]> {
    await this.reload();
    return [...this.published.values()].map((p) => toPublished(p.row));
  }

  /** Forget the cache, so the next call reads the database (tests; after a rotation elsewhere). */
  invalidate() {
    this.loadedAt = 0;
  }
}

export function toPublished(row: KeyRow): PublishedKey {
  return {
    kid: row.kid,
    use: row.use as KeyUse,
    organisationId: row.organisationId,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
    publishUntil: row.publishUntil,
    jwk: publicOnly(row.publicJwk as JWK),
  };
}

/** A JWK as the JWKS publishes it: public members, `use: sig`, and what CELR uses it for. */
export function jwksEntry(key: PublishedKey, sender?: string): JWK {
  return {
    ...publicOnly(key.jwk),
    kid: key.kid,
    alg: KEY_ALG,
    use: 'sig',
    [JWK_USE_MEMBER]: key.use,
    ...(sender ? { [JWK_SENDER_MEMBER]: sender } : {}),
  } as JWK;
}
