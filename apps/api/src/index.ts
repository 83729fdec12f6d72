export { API_VERSION, buildApp, type BuildOptions } from './app.js';
export { configFromEnv, type AppConfig } from './config.js';
export { openDatabase, type Database, type DatabaseOptions } from './db/database.js';
export { createTestDatabase, type TestDatabase } from './db/test-database.js';
export { createClient, createOrganisation, revokeClient, rotateSecret } from './admin/organisations.js';
