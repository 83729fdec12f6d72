import {
  type AlertCandidate,
  assessPepCompliance,
  complianceAlerts,
  type Jurisdiction,
  type RecordKind,
} from '@celr/schema';
import { ComplianceSettings, policyOf } from '../compliance-settings/service.js';
import type { Database } from '../db/database.js';
import { PollingLoop } from '../jobs/polling-loop.js';
import { raiseAlerts } from '../records/store/alerts.js';

export interface AlertSweepSettings {
  /** How often a process sweeps. */
  intervalMs: number;
  /** Learners assessed (and their alerts raised, in one transaction) at a time. */
  batch: number;
  /** The clock: the sweep's `asOf` is today's date in England and Scotland. Tests give their own. */
  now: () => Date;
}

export const DEFAULT_ALERT_SWEEP_SETTINGS: AlertSweepSettings = {
  intervalMs: 3_600_000,
  batch: 500,
  now: () => new Date(),
};

/** The date in the UK on `at`: the day a deadline is counted to. */
export const ukDate = (at: Date) => at.toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

interface LearnerRow {
  id: string;
  version: number;
  data: { jurisdiction: Jurisdiction; careStatus: { status: string; since?: string } };
  authorityId: string | null;
}
interface RecordRow {
  id: string;
  kind: Exclude<RecordKind, 'learner'>;
  learnerId: string;
  version: number;
  data: Record<string, unknown>;
}

/**
 * Raises the alerts that time raises: a PEP deadline passed with nothing meeting it (`pep-overdue`),
 * and a school move with no PEP review within the policy's allowance (`school-move-without-review`).
 * Each looked-after learner is assessed as the PEP compliance report assesses them (the same
 * responsible authority's stored policy and term dates, else the default, `assessPepCompliance` on today's date), and each overdue deadline raises its alert
 * through the record store, once: every API process may sweep, at the same time too, and the
 * alert's unique key keeps it to one.
 */
export class AlertSweep {
  readonly settings: AlertSweepSettings;
  private readonly loop: PollingLoop<{ learners: number; raised: number }>;

  constructor(
    private readonly db: Database,
    settings: Partial<AlertSweepSettings> = {},
    onError: (error: unknown) => void = () => {},
  ) {
    this.settings = { ...DEFAULT_ALERT_SWEEP_SETTINGS, ...settings };
    this.loop = new PollingLoop(() => this.sweep(), this.settings.intervalMs, onError);
  }

  start() {
    this.loop.start();
  }

  stop() {
    return this.loop.stop();
  }

  /** Sweeps every learner on `asOf` (today by the clock unless given). */
  async sweep(asOf = ukDate(this.settings.now())): Promise<{ learners: number; raised: number }> {
    let learners = 0;
    let raised = 0;
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const page = await this.db.sql<LearnerRow>(
        `SELECT id::text, version, data,
                (SELECT a.organisation_id::text FROM learner_access a
                 WHERE a.learner_id = record.id AND a.basis = 'responsible' AND a.ended_at IS NULL
                 ORDER BY a.started_at DESC LIMIT 1) AS "authorityId"
         FROM record
         WHERE kind = 'learner' AND deleted_at IS NULL AND id > $1::uuid
           AND data #>> '{careStatus,status}' = 'looked-after'
         ORDER BY id LIMIT $2`,
        [after, this.settings.batch],
      );
      if (!page.length) break;
      learners += page.length;
      raised += await this.raiseFor(page, asOf);
      after = page.at(-1)!.id;
      if (page.length < this.settings.batch) break;
    }
    return { learners, raised };
  }

  private async raiseFor(learners: LearnerRow[], asOf: string): Promise<number> {
    const rows = await this.db.sql<RecordRow>(
      `SELECT id::text, kind, learner_id::text AS "learnerId", version, data FROM record
       WHERE learner_id = ANY($1::uuid[]) AND kind IN ('plan', 'meeting', 'transition') AND deleted_at IS NULL`,
      [learners.map((l) => l.id)],
    );
    const byLearner = new Map<string, RecordRow[]>();
    for (const row of rows) {
      const list = byLearner.get(row.learnerId);
      if (list) list.push(row);
      else byLearner.set(row.learnerId, [row]);
    }
    const settings = await ComplianceSettings.effective(this.db, [
      ...new Set(learners.flatMap((l) => (l.authorityId ? [l.authorityId] : []))),
    ]);
    const candidates: AlertCandidate[] = [];
    for (const learner of learners) {
      const applied = learner.authorityId ? settings.get(learner.authorityId) : undefined;
      const termDates = applied?.termDates?.document;
      const records = byLearner.get(learner.id) ?? [];
      const of = (kind: RecordRow['kind']) =>
        records.filter((r) => r.kind === kind).map((r) => ({ ...r.data, id: r.id }) as never);
      const result = assessPepCompliance(
        {
          learner: { id: learner.id, careStatus: learner.data.careStatus },
          plans: of('plan'),
          meetings: of('meeting'),
          transitions: of('transition'),
        },
        { policy: policyOf(applied, learner.data.jurisdiction), asOf, ...(termDates ? { termDates } : {}) },
      );
      const versions = new Map([
        [learner.id, learner.version],
        ...records.map((r) => [r.id, r.version] as const),
      ]);
      candidates.push(...complianceAlerts(result, (_kind, id) => versions.get(id)));
    }
    if (!candidates.length) return 0;
    return this.db.prisma.$transaction((tx) => raiseAlerts(tx, candidates));
  }
}
