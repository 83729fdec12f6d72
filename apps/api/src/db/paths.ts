import { fileURLToPath } from 'node:url';

/** The API's Prisma migrations folder (the same path from `src/db` and from `dist/db`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** The API's Prisma schema. */
export const SCHEMA_PATH = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));
