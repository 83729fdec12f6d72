import { CelrProblemError, createCelrClient, isCelrProblem, type LearnerInput } from '@celr/sdk';

const celr = createCelrClient({
  baseUrl: process.env.CELR_API_URL ?? 'http://localhost:3000',
  clientId: process.env.CELR_CLIENT_ID ?? '',
  clientSecret: process.env.CELR_CLIENT_SECRET ?? '',
  // Check creates and replaces with @celr/schema before sending them.
  validate: true,
  // 429 and 503 are retried (honouring Retry-After, otherwise with exponential backoff and jitter);
  // every POST carries an Idempotency-Key, so a retried create never creates twice.
  retry: { retries: 5, maxDelayMs: 10_000 },
  onRetry: (e) => console.warn(`retry ${e.attempt} of ${e.method} ${e.url} in ${e.delayMs} ms`),
});

const learner: LearnerInput = {
  jurisdiction: 'england',
  name: { given: 'Kai', family: 'Brennan' },
  dateOfBirth: '2013-02-30',
  identifiers: [{ system: 'upn', value: 'A990123424002' }],
  careStatus: { status: 'looked-after', legalStatus: 'C2', placementType: 'U4', since: '2022-09-02' },
  responsibleAuthority: { scheme: 'la-code', code: '990' },
};

// Every failure is a CelrProblemError: status, type, title, detail, requestId, and field errors.
try {
  await celr.create('learner', learner);
} catch (error) {
  if (!(error instanceof CelrProblemError)) throw error;
  console.log(`${error.status} ${error.type}: ${error.detail}`);
  for (const { pointer, rule, message } of error.errors) console.log(`  ${pointer} ${rule}: ${message}`);
}

// Fixed, it is created; a write with an ETag that is no longer current is refused (412).
const fixed = {
  ...learner,
  dateOfBirth: '2013-02-28',
  identifiers: [{ system: 'upn', value: 'R990123424002' }],
};
const created = await celr.create('learner', fixed);
await celr.replace('learner', created.id, { ...created, name: { given: 'Kai', family: 'Brennan-Shaw' } });
try {
  await celr.replace('learner', created.id, created); // `created` still has the ETag of version 1
} catch (error) {
  if (!isCelrProblem(error, 'precondition-failed')) throw error;
  console.log(`${error.status} ${error.title} (request ${error.requestId})`);
}
