-- AlterTable
ALTER TABLE "change" ADD COLUMN     "alert_id" UUID;

-- CreateTable
CREATE TABLE "alert" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "learner_id" UUID NOT NULL,
    "record_kind" TEXT NOT NULL,
    "record_id" UUID NOT NULL,
    "record_version" INTEGER NOT NULL,
    "occurrence" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "raised_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "alert_learner_id_raised_at_idx" ON "alert"("learner_id", "raised_at");

-- CreateIndex
CREATE INDEX "alert_raised_at_id_idx" ON "alert"("raised_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "alert_kind_learner_id_record_id_occurrence_key" ON "alert"("kind", "learner_id", "record_id", "occurrence");
