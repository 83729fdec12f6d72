-- DropIndex
DROP INDEX "record_kind_learner_id_idx";

-- DropIndex
DROP INDEX "record_kind_status_idx";

-- DropIndex
DROP INDEX "record_kind_type_idx";

-- CreateIndex
CREATE INDEX "record_kind_learner_id_updated_at_id_idx" ON "record"("kind", "learner_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "record_kind_type_updated_at_id_idx" ON "record"("kind", "type", "updated_at", "id");

-- CreateIndex
CREATE INDEX "record_kind_status_updated_at_id_idx" ON "record"("kind", "status", "updated_at", "id");
