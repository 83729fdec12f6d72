-- Every API process caches who a token's client is (src/auth/caller-cache.ts): its organisation,
-- whether it is revoked, and the delegations a vendor acts under. Any change to the rows that answer
-- is announced on the channel `celr_caller_change`, whoever makes it (an API process, celr-admin,
-- psql), in the changing transaction, so that every process drops what it cached once it commits.
-- Statement-level: one notification per statement, however many rows it touches (PostgreSQL also
-- folds identical notifications of one transaction into one).
CREATE FUNCTION "celr_notify_caller_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('celr_caller_change', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER "api_client_caller_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "api_client"
  FOR EACH STATEMENT EXECUTE FUNCTION "celr_notify_caller_change"();
CREATE TRIGGER "organisation_caller_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "organisation"
  FOR EACH STATEMENT EXECUTE FUNCTION "celr_notify_caller_change"();
CREATE TRIGGER "delegation_caller_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "delegation"
  FOR EACH STATEMENT EXECUTE FUNCTION "celr_notify_caller_change"();
