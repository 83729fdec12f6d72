-- CreateTable
CREATE TABLE "bulk_import" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "organisation_id" UUID NOT NULL,
    "submitted_by_id" UUID NOT NULL,
    "scopes" TEXT[],
    "request_id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "default_kind" TEXT,
    "status" TEXT NOT NULL DEFAULT 'receiving',
    "lines" INTEGER NOT NULL DEFAULT 0,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "lines_done" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "next_block" INTEGER NOT NULL DEFAULT 0,
    "lease" UUID,
    "locked_until" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "problem" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "bulk_import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bulk_import_block" (
    "import_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "first_line" INTEGER NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "bulk_import_block_pkey" PRIMARY KEY ("import_id","seq")
);

-- CreateTable
CREATE TABLE "bulk_import_error" (
    "id" BIGSERIAL NOT NULL,
    "import_id" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "kind" TEXT,
    "pointer" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "message" TEXT NOT NULL,

    CONSTRAINT "bulk_import_error_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "bulk_import_status_locked_until_idx" ON "bulk_import"("status", "locked_until");

-- CreateIndex
CREATE INDEX "bulk_import_client_id_organisation_id_created_at_id_idx" ON "bulk_import"("client_id", "organisation_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "bulk_import_error_import_id_line_id_idx" ON "bulk_import_error"("import_id", "line", "id");

-- AddForeignKey
ALTER TABLE "bulk_import_block" ADD CONSTRAINT "bulk_import_block_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "bulk_import"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bulk_import_error" ADD CONSTRAINT "bulk_import_error_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "bulk_import"("id") ON DELETE CASCADE ON UPDATE CASCADE;
