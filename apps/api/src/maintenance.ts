import { ChangeFeed } from './changes/feed.js';
import type { Database } from './db/database.js';

export interface Retention {
  /** How long a stored Idempotency-Key response is replayed. */
  idempotencyHours: number;
  /** How far back the change feed goes. */
  changeFeedDays: number;
}

/**
 * Removes what has outlived its retention: replayable responses and old change-feed entries.
 * Safe on several processes at once (each purge is one idempotent statement or transaction).
 */
export async function purgeExpired(db: Database, retention: Retention, now = new Date()) {
  const keys = await db.prisma.idempotencyKey.deleteMany({
    where: { createdAt: { lt: new Date(now.getTime() - retention.idempotencyHours * 3600_000) } },
  });
  const changes = await new ChangeFeed(db).purge(
    new Date(now.getTime() - retention.changeFeedDays * 86400_000),
  );
  return { idempotencyKeys: keys.count, changes };
}

/** Runs purgeExpired every hour until stopped; failures are logged and retried next time. */
export function startMaintenance(db: Database, retention: Retention, log: (error: unknown) => void) {
  const timer = setInterval(() => void purgeExpired(db, retention).catch(log), 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
