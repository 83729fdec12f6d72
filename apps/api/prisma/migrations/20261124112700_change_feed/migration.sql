-- CreateTable
CREATE TABLE "change" (
    "id" BIGSERIAL NOT NULL,
    "txid" BIGINT NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "change" TEXT NOT NULL,
    "record_kind" TEXT NOT NULL,
    "record_id" UUID NOT NULL,
    "learner_id" UUID NOT NULL,
    "version" INTEGER,
    "organisation_id" UUID,

    CONSTRAINT "change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_horizon" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "txid" BIGINT NOT NULL,
    "change_id" BIGINT NOT NULL,

    CONSTRAINT "change_horizon_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "change_txid_id_idx" ON "change"("txid", "id");

-- CreateIndex
CREATE INDEX "change_organisation_id_learner_id_txid_id_idx" ON "change"("organisation_id", "learner_id", "txid", "id");
