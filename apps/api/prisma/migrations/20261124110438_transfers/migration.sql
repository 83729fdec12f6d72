-- AlterTable
ALTER TABLE "record" ADD COLUMN     "provenance" JSONB,
ADD COLUMN     "source_record_id" UUID;

-- CreateTable
CREATE TABLE "transfer" (
    "id" UUID NOT NULL,
    "sender_id" UUID,
    "recipient_id" UUID NOT NULL,
    "learner_id" UUID,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "note" TEXT,
    "bundle_id" UUID NOT NULL,
    "bundle" JSONB NOT NULL,
    "digest" TEXT NOT NULL,
    "result" JSONB,
    "rejection_reason" TEXT,
    "created_by_client" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "transfer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transfer_event" (
    "id" BIGSERIAL NOT NULL,
    "transfer_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL,
    "organisation_id" UUID,
    "client_id" TEXT,
    "note" TEXT,

    CONSTRAINT "transfer_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "transfer_recipient_id_created_at_id_idx" ON "transfer"("recipient_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "transfer_sender_id_created_at_id_idx" ON "transfer"("sender_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "transfer_learner_id_idx" ON "transfer"("learner_id");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_recipient_id_bundle_id_key" ON "transfer"("recipient_id", "bundle_id");

-- CreateIndex
CREATE INDEX "transfer_event_transfer_id_id_idx" ON "transfer_event"("transfer_id", "id");

-- CreateIndex
CREATE INDEX "record_owner_id_source_record_id_idx" ON "record"("owner_id", "source_record_id");

-- AddForeignKey
ALTER TABLE "transfer_event" ADD CONSTRAINT "transfer_event_transfer_id_fkey" FOREIGN KEY ("transfer_id") REFERENCES "transfer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
