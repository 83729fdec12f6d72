-- DropIndex
DROP INDEX "audit_event_learner_id_at_idx";

-- CreateIndex
CREATE INDEX "audit_event_learner_id_id_idx" ON "audit_event"("learner_id", "id");
