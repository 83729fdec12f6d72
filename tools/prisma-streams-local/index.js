// The Prisma CLI imports @prisma/streams-local only when `prisma dev` starts its local Prisma Postgres
// server. CELR uses the CLI for `prisma generate` alone (apps/api/scripts/prisma-generate.mjs) and runs
// its own embedded PostgreSQL, so the real package (which declares Node >=22) is replaced by this one
// through the root package.json's overrides. Anything that does load it is told why it cannot work.
export function startLocalDurableStreamsServer() {
  throw new Error(
    '`prisma dev` is not available in the CELR repository: @prisma/streams-local is replaced (see tools/prisma-streams-local). Use `npm start`, which runs an embedded PostgreSQL.',
  );
}
