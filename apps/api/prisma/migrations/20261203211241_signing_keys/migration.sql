-- AlterTable
ALTER TABLE "transfer" ADD COLUMN     "signature" TEXT,
ADD COLUMN     "signature_kid" TEXT;

-- DropTable
DROP TABLE "signing_key";

-- CreateTable
CREATE TABLE "key_pair" (
    "kid" TEXT NOT NULL,
    "use" TEXT NOT NULL,
    "organisation_id" UUID,
    "alg" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_jwk" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),
    "publish_until" TIMESTAMPTZ(3),

    CONSTRAINT "key_pair_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "bundle_sender_key" (
    "id" UUID NOT NULL,
    "scheme" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "kid" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bundle_sender_key_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "key_pair_use_organisation_id_created_at_idx" ON "key_pair"("use", "organisation_id", "created_at");

-- CreateIndex
CREATE INDEX "bundle_sender_key_kid_idx" ON "bundle_sender_key"("kid");

-- CreateIndex
CREATE UNIQUE INDEX "bundle_sender_key_scheme_code_kid_key" ON "bundle_sender_key"("scheme", "code", "kid");
