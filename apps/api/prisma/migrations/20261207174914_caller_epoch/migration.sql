-- Revocation without waiting for the announcement. The triggers of caller_change_notify announce every
-- change to api_client, organisation and delegation; they now also count it, in caller_epoch (one row),
-- in the changing transaction. A process caches a caller together with the epoch it was read at, and
-- its hottest reads return the epoch in the same statement as the record (src/auth/caller-cache.ts):
-- the same snapshot, so when the epoch has moved on the caller is resolved again before the record is
-- returned, and a revocation committed before the read began is never missed, however late its
-- announcement arrives. The counter is transactional (a row, not a sequence): a reader sees it move
-- exactly when it sees the change.

-- CreateTable
CREATE TABLE "caller_epoch" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "caller_epoch_pkey" PRIMARY KEY ("id")
);

INSERT INTO "caller_epoch" ("id", "value") VALUES (1, 0);

CREATE OR REPLACE FUNCTION "celr_notify_caller_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "caller_epoch" SET "value" = "value" + 1 WHERE "id" = 1;
  PERFORM pg_notify('celr_caller_change', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
