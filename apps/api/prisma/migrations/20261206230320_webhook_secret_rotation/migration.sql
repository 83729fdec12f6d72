-- Secret rotation: the secret a rotation replaced, and until when it still signs.
-- Secrets already stored in clear stay readable (a sealed one starts with enc:v1:). SQL does not have
-- CELR_KEY_ENCRYPTION_KEY, so the server seals them when it starts with the key set (src/webhooks/secrets.ts).
-- (No semicolon in these comments: the migration runner splits the script at each one, comments included.)

-- AlterTable
ALTER TABLE "webhook_subscription" ADD COLUMN     "previous_secret" TEXT,
ADD COLUMN     "previous_secret_until" TIMESTAMPTZ(3);
