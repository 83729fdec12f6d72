import { ChangeFeed } from './changes/feed.js';
import type { Database } from './db/database.js';

export interface Retention {
  /** How long a stored Idempotency-Key response is replayed. */
  idempotencyHours: number;
  /** How far back the change feed goes. */
  changeFeedDays: number;
  /** How long a finished bulk import (and its error report) can be read. */
  bulkImportDays: number;
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
  // Finished imports after their retention; an upload that never finished (the client or the process went away) after a day.
  const imports = await db.prisma.bulkImport.deleteMany({
    where: {
      OR: [
        { finishedAt: { lt: new Date(now.getTime() - retention.bulkImportDays * 86400_000) } },
        { status: 'receiving', createdAt: { lt: new Date(now.getTime() - 86400_000) } },
      ],
    },
  });
  return { idempotencyKeys: keys.count, changes, bulkImports: imports.count };
}

/** Runs purgeExpired every hour until stopped; failures are logged and retried next time. */
export function startMaintenance(db: Database, retention: Retention, log: (error: unknown) => void) {
  const timer = setInterval(() => void purgeExpired(db, retention).catch(log), 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
