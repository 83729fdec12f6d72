import { createCelrClient, etagOf, type LearnerInput } from '@celr/sdk';

// A client for your organisation. It gets an access token with the client id and secret
// (OAuth client credentials) and gets a new one before the token expires.
const celr = createCelrClient({
  baseUrl: process.env.CELR_API_URL ?? 'http://localhost:3000',
  clientId: process.env.CELR_CLIENT_ID ?? '',
  clientSecret: process.env.CELR_CLIENT_SECRET ?? '',
});

// A learner as your MIS knows them (fictional: LA 990 is the demo authority).
const amara: LearnerInput = {
  jurisdiction: 'england',
  name: { given: 'Amara', family: 'Okafor-Lees' },
  dateOfBirth: '2013-05-14',
  identifiers: [{ system: 'upn', value: 'C990123424001' }],
  careStatus: { status: 'looked-after', legalStatus: 'C2', placementType: 'U4', since: '2022-09-02' },
  responsibleAuthority: { scheme: 'la-code', code: '990', name: 'Northbridge Borough Council' },
};

// Create or replace the learner by UPN: run this again and the same learner is updated, never duplicated.
const learner = await celr.upsertLearner({ system: 'upn', value: 'C990123424001' }, amara);
console.log(`synced ${learner.id}, version ${learner.meta.version}, ETag ${etagOf(learner)}`);

// Every looked-after learner you may see; the iterator follows the pages to the end.
for await (const each of celr.list('learner', { status: 'looked-after' })) {
  console.log(`${each.id} ${each.name.given} ${each.name.family}`);
}

// A safe change: update() reads the learner, applies your change and writes it with If-Match;
// if someone else changed the learner in between, it reads again and reapplies your change.
const updated = await celr.update('learner', learner.id, (current) => ({
  ...current,
  contacts: [{ role: 'virtual-school-caseworker', name: 'Helen Adeyemi' }],
}));
console.log(`updated to version ${updated.meta.version}`);
