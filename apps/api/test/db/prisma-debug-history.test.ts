/**
 * Prisma's debug histories keep the values of its last hundred raw statements, logging on or off
 * (src/db/prisma-debug-history.ts): on PostgreSQL, @prisma/adapter-pg's history kept each query object
 * and the client's each raw call's values as JSON, so a few large statements (a transfer of hundreds of
 * records, a stored block of an import) stayed reachable until a hundred more had run. Thirty 1 MiB
 * statements, in transactions and outside them, must leave the heap as it was after a full collection.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { collector } from '../support/gc.js';

const gc = collector();
const MiB = 1024 * 1024;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

it('keeps nothing of large statements sent through Prisma once they are done', async () => {
  const prisma = api.db.prisma;
  // Each value its own string, so that nothing is shared between them (and ASCII: one byte a character).
  const value = (i: number) => `${i}:`.padEnd(MiB, String.fromCharCode(97 + (i % 26)));
  // Warm up the client and the adapter, so their own one-time allocations are not counted.
  await prisma.$queryRawUnsafe('SELECT length($1::text) AS n', value(0));
  await prisma.$transaction((tx) => tx.$executeRawUnsafe('SELECT length($1::text)', value(1)));
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 15; i++) {
    const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>('SELECT length($1::text) AS n', value(i));
    expect(Number(row?.n)).toBe(MiB);
    await prisma.$transaction((tx) => tx.$executeRawUnsafe('SELECT length($1::text)', value(i + 100)));
  }
  gc();
  const retained = (process.memoryUsage().heapUsed - before) / MiB;
  console.log(`heap retained after 30 statements of 1 MiB: ${retained.toFixed(1)} MiB`);
  // Kept, they would hold 30 MiB at least (each value once), in fact about twice that.
  expect(retained).toBeLessThan(8);
});
