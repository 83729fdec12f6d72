-- CreateTable
CREATE TABLE "organisation" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "jurisdiction" TEXT,
    "la_code" TEXT,
    "urn" TEXT,
    "seed_code" TEXT,
    "authority_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organisation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_client" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "organisation_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "secret_rotated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "delegation" (
    "vendor_id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "delegation_pkey" PRIMARY KEY ("vendor_id","organisation_id")
);

-- CreateTable
CREATE TABLE "learner_access" (
    "id" UUID NOT NULL,
    "learner_id" UUID NOT NULL,
    "organisation_id" UUID NOT NULL,
    "basis" TEXT NOT NULL,
    "grants" TEXT[],
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "learner_access_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "record" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "learner_id" UUID NOT NULL,
    "jurisdiction" TEXT NOT NULL,
    "type" TEXT,
    "status" TEXT,
    "owner_id" UUID NOT NULL,
    "written_by_id" UUID NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "data" JSONB NOT NULL,

    CONSTRAINT "record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "record_version" (
    "record_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "learner_id" UUID NOT NULL,
    "data" JSONB,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "client_id" TEXT,
    "organisation_id" UUID NOT NULL,
    "change" TEXT NOT NULL,

    CONSTRAINT "record_version_pkey" PRIMARY KEY ("record_id","version")
);

-- CreateTable
CREATE TABLE "learner_identifier" (
    "learner_id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "system" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "learner_identifier_pkey" PRIMARY KEY ("learner_id","system","value")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "client_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "headers" JSONB NOT NULL,
    "body" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("client_id","key")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "request_id" TEXT NOT NULL,
    "client_id" TEXT,
    "organisation_id" UUID,
    "action" TEXT NOT NULL,
    "record_kind" TEXT NOT NULL,
    "record_id" UUID,
    "record_version" INTEGER,
    "learner_id" UUID,
    "outcome" TEXT NOT NULL,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_key" (
    "kid" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_key_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE UNIQUE INDEX "organisation_urn_key" ON "organisation"("urn");

-- CreateIndex
CREATE UNIQUE INDEX "organisation_seed_code_key" ON "organisation"("seed_code");

-- CreateIndex
CREATE INDEX "organisation_authority_id_idx" ON "organisation"("authority_id");

-- CreateIndex
CREATE UNIQUE INDEX "organisation_kind_la_code_key" ON "organisation"("kind", "la_code");

-- CreateIndex
CREATE UNIQUE INDEX "api_client_client_id_key" ON "api_client"("client_id");

-- CreateIndex
CREATE INDEX "api_client_organisation_id_idx" ON "api_client"("organisation_id");

-- CreateIndex
CREATE INDEX "delegation_organisation_id_idx" ON "delegation"("organisation_id");

-- CreateIndex
CREATE INDEX "learner_access_organisation_id_learner_id_idx" ON "learner_access"("organisation_id", "learner_id");

-- CreateIndex
CREATE INDEX "learner_access_learner_id_idx" ON "learner_access"("learner_id");

-- CreateIndex
CREATE INDEX "record_kind_learner_id_idx" ON "record"("kind", "learner_id");

-- CreateIndex
CREATE INDEX "record_kind_updated_at_id_idx" ON "record"("kind", "updated_at", "id");

-- CreateIndex
CREATE INDEX "record_kind_type_idx" ON "record"("kind", "type");

-- CreateIndex
CREATE INDEX "record_kind_status_idx" ON "record"("kind", "status");

-- CreateIndex
CREATE INDEX "record_owner_id_kind_idx" ON "record"("owner_id", "kind");

-- CreateIndex
CREATE INDEX "record_version_learner_id_idx" ON "record_version"("learner_id");

-- CreateIndex
CREATE INDEX "learner_identifier_system_value_idx" ON "learner_identifier"("system", "value");

-- CreateIndex
CREATE UNIQUE INDEX "learner_identifier_owner_id_system_value_key" ON "learner_identifier"("owner_id", "system", "value");

-- CreateIndex
CREATE INDEX "idempotency_key_created_at_idx" ON "idempotency_key"("created_at");

-- CreateIndex
CREATE INDEX "audit_event_learner_id_at_idx" ON "audit_event"("learner_id", "at");

-- CreateIndex
CREATE INDEX "audit_event_organisation_id_at_idx" ON "audit_event"("organisation_id", "at");

-- AddForeignKey
ALTER TABLE "organisation" ADD CONSTRAINT "organisation_authority_id_fkey" FOREIGN KEY ("authority_id") REFERENCES "organisation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_client" ADD CONSTRAINT "api_client_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delegation" ADD CONSTRAINT "delegation_vendor_id_fkey" FOREIGN KEY ("vendor_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delegation" ADD CONSTRAINT "delegation_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "learner_access" ADD CONSTRAINT "learner_access_learner_id_fkey" FOREIGN KEY ("learner_id") REFERENCES "record"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "learner_access" ADD CONSTRAINT "learner_access_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record" ADD CONSTRAINT "record_learner_id_fkey" FOREIGN KEY ("learner_id") REFERENCES "record"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record" ADD CONSTRAINT "record_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record_version" ADD CONSTRAINT "record_version_record_id_fkey" FOREIGN KEY ("record_id") REFERENCES "record"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "record_version" ADD CONSTRAINT "record_version_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "learner_identifier" ADD CONSTRAINT "learner_identifier_learner_id_fkey" FOREIGN KEY ("learner_id") REFERENCES "record"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "learner_identifier" ADD CONSTRAINT "learner_identifier_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
