-- CreateTable
CREATE TABLE "authority_setting" (
    "organisation_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "client_id" TEXT,
    "request_id" TEXT NOT NULL,

    CONSTRAINT "authority_setting_pkey" PRIMARY KEY ("organisation_id","kind","version")
);

-- AddForeignKey
ALTER TABLE "authority_setting" ADD CONSTRAINT "authority_setting_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
