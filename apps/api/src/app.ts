import { RECORD_KINDS, rewriteRefs, schemaCatalogue } from '@celr/schema';
import AjvCompiler from '@fastify/ajv-compiler';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { registerAdminRoutes } from './admin/routes.js';
import { Alerts } from './alerts/alerts.js';
import { registerAlertRoutes } from './alerts/routes.js';
import { AlertSweep, type AlertSweepSettings } from './alerts/sweep.js';
import { AuditTrail } from './audit/audit-trail.js';
import { registerAuditRoutes } from './audit/routes.js';
import { registerAuthentication } from './auth/authenticate.js';
import { SCOPES } from './auth/caller.js';
import { CallerCache } from './auth/caller-cache.js';
import { KeyStore } from './auth/keys.js';
import { registerKeyRoutes } from './auth/keys-routes.js';
import { registerMeRoute } from './auth/me.js';
import { CLIENT_SECRET_SCHEME } from './auth/policy.js';
import { registerTokenRoute } from './auth/token-route.js';
import { TokenIssuer } from './auth/tokens.js';
import { ExportSlots } from './bulk/export.js';
import { BulkImports } from './bulk/import-jobs.js';
import { BulkImportWorker, type BulkWorkerSettings } from './bulk/import-worker.js';
import { registerBulkRoutes } from './bulk/routes.js';
import { ChangeFeed, registerChangeRoutes } from './changes/feed.js';
import { registerComplianceSettingsRoutes } from './compliance-settings/routes.js';
import { ComplianceSettings } from './compliance-settings/service.js';
import type { AppConfig } from './config.js';
import type { Database } from './db/database.js';
import { registerHealthRoutes } from './health/routes.js';
import { registerInputGuards } from './http/body-parsers.js';
import { bodyValidatorCompiler } from './http/body-validation.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './http/errors.js';
import { registerHardening } from './http/hardening.js';
import { finishOpenApiDocument } from './http/openapi-document.js';
import { newRequestId } from './http/request-id.js';
import { registerLearnerRoutes } from './learners/routes.js';
import { RecordService } from './records/record-service.js';
import { registerRecordRoutes } from './records/routes.js';
import { CohortReports } from './reports/cohort.js';
import { registerCohortReportRoute } from './reports/cohort-routes.js';
import { PepComplianceReports } from './reports/pep-compliance.js';
import { registerReportRoutes } from './reports/routes.js';
import { BundleSignatures } from './transfers/bundle-signature.js';
import { registerTransferRoutes } from './transfers/routes.js';
import { TransferService } from './transfers/transfer-service.js';
import { registerWebhookRoutes } from './webhooks/routes.js';
import { WebhookSubscriptions } from './webhooks/subscriptions.js';
import { targetPolicy } from './webhooks/targets.js';
import { type WebhookSettings, WebhookWorker } from './webhooks/worker.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Sends webhook deliveries; created with the app, started by the server (main.ts), stopped on close. */
    webhooks: WebhookWorker | undefined;
    /** The signing keys of the deployment: access tokens and bundles (src/auth/keys.ts). */
    signingKeys: KeyStore;
    /** Who tokens' clients are, cached while the database announces changes to them (src/auth/caller-cache.ts). */
    callers: CallerCache;
    /** Runs queued bulk imports; created with the app, started by the server (main.ts), stopped on close. */
    bulkImports: BulkImportWorker | undefined;
    /** Raises the deadline alerts; created with the app, started by the server (main.ts), stopped on close. */
    alertSweep: AlertSweep | undefined;
    /** The bulk exports running now, at most MAX_CONCURRENT_EXPORTS (src/bulk/export.ts). */
    bulkExports: ExportSlots;
  }
}

export interface BuildOptions {
  /** The database; omit only to emit the OpenAPI document (no request can then be served). */
  db?: Database;
  config: AppConfig;
  logger?: FastifyServerOptions['logger'];
  /** Webhook delivery settings (poll interval, timeout, backoff). */
  webhooks?: Partial<WebhookSettings>;
  /** Bulk import worker settings (poll interval, lease). */
  bulk?: Partial<BulkWorkerSettings>;
  /** Alert sweep settings (interval, clock). */
  alertSweep?: Partial<AlertSweepSettings>;
}

export const API_VERSION = '0.1.0';

/**
 * The CELR API as a Fastify instance. Tests, the OpenAPI emitter and the server all build it
 * here, so what is tested is what runs.
 */
export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.bodyLimitBytes,
    genReqId: newRequestId,
    requestIdHeader: 'x-request-id',
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: true,
        // The shared schemas come from @celr/schema, whose tests compile every one in Ajv against the
        // JSON Schema meta-schema; checking them again here cost 2.5 s of every start (and test app).
        validateSchema: false,
      },
    },
    schemaController: {
      compilersFactory: {
        // Query, path and header parameters arrive as strings, so Ajv (with coercion) checks them;
        // bodies are JSON and are checked by @celr/schema without coercion or stripping. No parameter
        // schema refers to the shared record schemas (added below for the OpenAPI document), so this
        // Ajv is given none: adding them cost a second of every start. A $ref would fail at start.
        buildValidator: ((_externalSchemas: never, ajvOptions: never) => {
          const ajv = AjvCompiler()({} as never, ajvOptions);
          return (context: { httpPart?: string }) =>
            context.httpPart === 'body' ? bodyValidatorCompiler(context as never) : ajv(context as never);
        }) as never,
      },
    },
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });

  // Responses are built from validated records; the schemas document them but do not filter them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  registerInputGuards(app);

  for (const { name, schema } of schemaCatalogue()) {
    app.addSchema({ $id: name, ...rewriteRefs(schema, (n) => `${n}#`) });
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CELR API',
        version: API_VERSION,
        description:
          'The reference API of CELR, the open standard for the education records of care-experienced learners: learners, plans, meetings and transitions, exchanged between local authorities, schools and vendors.',
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'CELR', url: 'https://github.com/celr-standard/celr/issues' },
      },
      // Relative, so the document is right wherever the API is served; clients set their base URL.
      servers: [
        {
          url: '/',
          description:
            'The environment serving this document: local for npm start, or the staging or production deployment it came from.',
          'x-internal': false,
        } as never,
      ],
      tags: [
        { name: 'Authentication', description: 'OAuth 2.0 client credentials, and who a token is for.' },
        { name: 'Learners', description: 'Care-experienced learners.' },
        { name: 'Plans', description: "PEPs, child's plans, CSPs, EHC plans and pathway plans." },
        { name: 'Meetings', description: 'PEP meetings, reviews and other meetings.' },
        { name: 'Transitions', description: 'School, placement and authority moves.' },
        {
          name: 'Transfers',
          description: "A learner's records moving between organisations, without drift or loss.",
        },
        { name: 'Changes', description: 'One ordered feed of everything you may see, for keeping in step.' },
        {
          name: 'Webhooks',
          description: 'The change feed pushed to your URL, signed as Standard Webhooks specifies.',
        },
        {
          name: 'Bulk',
          description: 'Whole cohorts in and out: NDJSON imports run as jobs, and streamed exports.',
        },
        { name: 'Audit', description: "Who read and wrote a learner's records." },
        {
          name: 'Reports',
          description: 'What a virtual school head is asked every term: PEP compliance and the cohort.',
        },
        {
          name: 'Compliance settings',
          description:
            "An authority's PEP compliance policy and term dates, versioned, as the report applies them.",
        },
        {
          name: 'Administration',
          description: 'Organisations, clients and delegations (platform operator).',
        },
        { name: 'Health', description: 'Liveness and readiness.' },
      ],
      components: {
        securitySchemes: {
          oauth2: {
            type: 'oauth2',
            description:
              'OAuth 2.0 client credentials (RFC 6749 section 4.4). The access token is a short-lived JWT (15 minutes by default), signed with ES256 by a key the JWKS at `/.well-known/jwks.json` publishes (named by `kid`; keys rotate with overlap), with typ `at+jwt`, issuer, audience, expiry and a unique id, as RFC8725 (JWT best current practices) and RFC 9068 recommend. Client credentials get no refresh token (RFC 6749 section 4.4.3): ask for a new access token instead.',
            flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: { ...SCOPES } } },
          },
          // Used by the token endpoint alone: the rest of the API takes only access tokens.
          [CLIENT_SECRET_SCHEME]: {
            type: 'http',
            scheme: 'basic',
            description:
              'The client id and secret, as the token endpoint takes them (RFC 6749 section 2.3.1): HTTP Basic with the id as user name and the secret as password, or `client_id` and `client_secret` in the body. Only `POST /oauth/token` takes them; every other operation takes an access token.',
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (documentObject) =>
      finishOpenApiDocument((documentObject as { openapiObject: object }).openapiObject as never) as never,
  });

  registerErrorHandling(app);
  await registerHardening(app, config);

  const db = options.db;
  const prisma = db?.prisma;
  // Without a database (the OpenAPI emitter) routes are registered for their schemas only.
  // Keys are read from the database when first needed, so the app builds while it is unreachable.
  const signingKeys = new KeyStore(prisma as never, {
    ...config.keys,
    tokenTtlSeconds: config.tokens.ttlSeconds,
  });
  app.decorate('signingKeys', signingKeys);
  const tokens = new TokenIssuer(signingKeys, config.tokens);
  // Who a token's client is, cached while the database announces every change to it (revocations).
  const callers = new CallerCache(db?.sql as never);
  if (db) {
    callers.follow(db);
    app.addHook('onClose', () => callers.stop());
  }
  app.decorate('callers', callers);
  registerAuthentication(app, prisma as never, callers, tokens);
  registerTokenRoute(app, prisma as never, tokens);
  registerMeRoute(app, prisma as never);
  registerHealthRoutes(app, db);

  const audit = new AuditTrail(db?.sql as never);
  // Record writes raise the alerts of what they write (exclusions, attendance) in their transaction.
  const alertSettings = { attendanceThreshold: config.alerts.attendanceThreshold };
  const records = new RecordService(prisma as never, audit, db?.sql as never, alertSettings);
  for (const kind of RECORD_KINDS) registerRecordRoutes(app, kind, records);
  registerLearnerRoutes(app, records);
  registerAuditRoutes(app, prisma as never, audit);
  registerReportRoutes(app, new PepComplianceReports(db as never, audit));
  registerCohortReportRoute(app, new CohortReports(db as never, audit));
  registerComplianceSettingsRoutes(app, new ComplianceSettings(prisma as never, audit));
  const feed = new ChangeFeed(db as never);
  registerChangeRoutes(app, feed);
  registerAlertRoutes(app, new Alerts(db as never, audit));
  const alertSweep = db
    ? new AlertSweep(
        db,
        { intervalMs: config.alerts.sweepMinutes * 60_000, ...options.alertSweep },
        (error) => app.log.warn({ err: error }, 'alert sweep failed'),
      )
    : undefined;
  app.decorate('alertSweep', alertSweep);
  registerTransferRoutes(
    app,
    new TransferService(
      prisma as never,
      audit,
      { overdueHours: config.transferOverdueHours, alerts: alertSettings },
      new BundleSignatures(prisma as never, signingKeys, {
        allowUnsignedFrom: config.allowUnsignedBundlesFrom,
      }),
    ),
  );
  registerAdminRoutes(app, prisma as never);
  registerKeyRoutes(app, prisma as never, signingKeys);

  // The worker runs off the request path; it is built here so the app owns its lifecycle.
  // Subscriptions and deliveries share one target policy (src/webhooks/targets.ts) and one key.
  const webhookTargets = targetPolicy(config.webhooks.allowTargets);
  const webhooks = db
    ? new WebhookWorker(
        db,
        {
          targets: webhookTargets,
          encryptionKey: config.keys.encryptionKey,
          onRefused: (error) =>
            app.log.warn({ host: error.hostname, address: error.address }, 'webhook target refused'),
          ...options.webhooks,
        },
        (error) => app.log.warn({ err: error }, 'webhook step failed'),
      )
    : undefined;
  app.decorate('webhooks', webhooks);
  const subscriptions = new WebhookSubscriptions(prisma as never, {
    targets: webhookTargets,
    encryptionKey: config.keys.encryptionKey,
    secretOverlapMs: config.webhooks.secretOverlapHours * 3_600_000,
  });
  registerWebhookRoutes(app, prisma as never, subscriptions, webhooks);
  const bulkImports = db
    ? new BulkImportWorker(db, audit, { alerts: alertSettings, ...options.bulk }, (error) =>
        app.log.warn({ err: error }, 'bulk import step failed'),
      )
    : undefined;
  app.decorate('bulkImports', bulkImports);
  const bulkExports = new ExportSlots();
  app.decorate('bulkExports', bulkExports);
  registerBulkRoutes(app, {
    db: db as never,
    audit,
    imports: new BulkImports(db as never, config.bulk),
    worker: bulkImports,
    feed,
    limits: config.bulk,
    exports: bulkExports,
  });
  app.addHook('onClose', async () => {
    await webhooks?.stop();
    await bulkImports?.stop();
    await alertSweep?.stop();
  });

  // While draining, responses ask clients to close their connection, so keep-alive sockets end
  // with the last in-flight response instead of holding the shutdown open.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (draining) reply.header('connection', 'close');
  });

  return app;
}
