import { isSealed, openText, sealText } from '../auth/keys.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * Webhook secrets at rest. They are sealed exactly as private signing keys are (src/auth/keys.ts:
 * AES-256-GCM under a key derived from CELR_KEY_ENCRYPTION_KEY), so an operator has one key to keep,
 * one to back up apart from the database, and one scheme to review. Unlike a client secret, a webhook
 * secret cannot be stored as a hash: the worker needs it to sign.
 */
export const sealSecret = (plain: string, key: string | undefined) => sealText(plain, key);

export const openSecret = (stored: string, key: string | undefined) =>
  openText(stored, key, 'A webhook secret');

/**
 * Seals the secrets stored in clear: subscriptions made before CELR_KEY_ENCRYPTION_KEY was set (or
 * before this version). The migration cannot do it, since SQL does not have the key; the server does
 * it at start. Each row is replaced only if it still holds the value read, so a rotation made
 * meanwhile by another process is never overwritten. Returns how many secrets it sealed.
 */
export async function sealStoredSecrets(prisma: PrismaClient, key: string | undefined): Promise<number> {
  if (!key) return 0;
  const rows = await prisma.webhookSubscription.findMany({
    select: { id: true, secret: true, previousSecret: true },
  });
  let sealed = 0;
  for (const row of rows) {
    if (!isSealed(row.secret)) {
      const { count } = await prisma.webhookSubscription.updateMany({
        where: { id: row.id, secret: row.secret },
        data: { secret: sealSecret(row.secret, key) },
      });
      sealed += count;
    }
    if (row.previousSecret !== null && !isSealed(row.previousSecret)) {
      const { count } = await prisma.webhookSubscription.updateMany({
        where: { id: row.id, previousSecret: row.previousSecret },
        data: { previousSecret: sealSecret(row.previousSecret, key) },
      });
      sealed += count;
    }
  }
  return sealed;
}
