export { createClient, createOrganisation, revokeClient, rotateSecret } from './admin/organisations.js';
export { API_VERSION, type BuildOptions, buildApp } from './app.js';
export { type AppConfig, configFromEnv } from './config.js';
export { type Database, type DatabaseOptions, openDatabase } from './db/database.js';
export { createTestDatabase, type TestDatabase } from './db/test-database.js';
export { DEMO_AS_OF, DEMO_CLIENTS, loadDemo } from './demo/seed.js';
export { startTestApp } from './testing.js';
