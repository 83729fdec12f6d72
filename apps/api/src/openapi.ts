import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { configFromEnv } from './config.js';

export const OPENAPI_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi.json');

/** The OpenAPI document as the app describes itself, with a stable server URL for the committed copy. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const app = await buildApp({ config: { ...configFromEnv({}), publicUrl: 'http://localhost:3000' } });
  await app.ready();
  const document = app.swagger() as Record<string, unknown> & { info: Record<string, unknown> };
  await app.close();
  document.info['x-generated-by'] =
    'apps/api/scripts/emit-openapi.ts (npm run openapi -w @celr/api); do not edit by hand';
  return document;
}
