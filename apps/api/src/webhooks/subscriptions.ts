import type { Caller } from '../auth/caller.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { notFound, ProblemError, validationProblem } from '../http/problem.js';
import { sealSecret } from './secrets.js';
import { newWebhookSecret } from './signature.js';
import { checkWebhookUrl, type TargetPolicy } from './targets.js';

/** Subscriptions one client may hold for one organisation. */
export const MAX_SUBSCRIPTIONS = 20;

export interface SubscriptionSettings {
  /** Where deliveries may go (src/webhooks/targets.ts). */
  targets: TargetPolicy;
  /** CELR_KEY_ENCRYPTION_KEY: secrets are sealed with it when set (undefined when it is not). */
  encryptionKey?: string | undefined;
  /** How long the previous secret still signs after a rotation (ms). */
  secretOverlapMs: number;
}

export interface NewSubscription {
  url: string;
  recordKinds?: string[];
  changes?: string[];
  description?: string;
}

/** A subscription is the client's own, for the organisation it acts for now; to anyone else it does not exist. */
export const owned = (caller: Caller, id: string) => ({
  id,
  clientId: caller.clientId,
  organisationId: caller.actingForId,
});

/** The rules of webhook subscriptions: where they may point, how many, and their secrets. */
export class WebhookSubscriptions {
  constructor(
    private readonly prisma: PrismaClient,
    readonly settings: SubscriptionSettings,
  ) {}

  /** Creates a subscription; returns it with its secret in clear, which is never shown again. */
  async create(caller: Caller, body: NewSubscription) {
    const issue = checkWebhookUrl(body.url, this.settings.targets);
    if (issue) throw validationProblem([issue]);
    const held = await this.prisma.webhookSubscription.count({
      where: { clientId: caller.clientId, organisationId: caller.actingForId },
    });
    if (held >= MAX_SUBSCRIPTIONS)
      throw new ProblemError(
        'conflict',
        `A client may hold ${MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first.`,
      );
    const secret = newWebhookSecret();
    // The subscription starts at the current end of the feed: entries of transactions still
    // running (at or after the snapshot's xmin) are still to come, so none is skipped.
    const [end] = await this.prisma.$queryRawUnsafe<{ txid: string }[]>(
      'SELECT (pg_snapshot_xmin(pg_current_snapshot())::text) AS txid',
    );
    const created = await this.prisma.webhookSubscription.create({
      data: {
        clientId: caller.clientId,
        organisationId: caller.actingForId,
        url: body.url,
        recordKinds: body.recordKinds ?? [],
        changes: body.changes ?? [],
        description: body.description ?? null,
        secret: sealSecret(secret, this.settings.encryptionKey),
        cursorTxid: BigInt(end!.txid),
        cursorId: 0n,
      },
    });
    return { subscription: created, secret };
  }

  /**
   * Gives the subscription a new secret. The one it replaces keeps signing too (a second `v1,`
   * signature) for the overlap, so the receiver can switch to the new secret at its own pace; a
   * secret older than that is dropped. One statement, so two rotations at once cannot lose either:
   * the second makes the first's secret the previous one.
   */
  async rotateSecret(caller: Caller, id: string) {
    const secret = newWebhookSecret();
    const where = owned(caller, id);
    const count = await this.prisma.$executeRawUnsafe(
      `UPDATE webhook_subscription
       SET previous_secret = secret, secret = $1,
           previous_secret_until = now() + ($2::double precision * interval '1 millisecond')
       WHERE id = $3::uuid AND client_id = $4 AND organisation_id = $5::uuid`,
      sealSecret(secret, this.settings.encryptionKey),
      this.settings.secretOverlapMs,
      where.id,
      where.clientId,
      where.organisationId,
    );
    if (count === 0) throw notFound('The webhook subscription');
    const subscription = await this.prisma.webhookSubscription.findFirst({ where });
    if (!subscription) throw notFound('The webhook subscription');
    return { subscription, secret };
  }
}
