import { createCelrClient } from '@celr/sdk';

// A vendor's client acts for an organisation that has delegated to the vendor: every request
// carries `celr-on-behalf-of` and sees what that organisation sees.
const celr = createCelrClient({
  baseUrl: process.env.CELR_API_URL ?? 'http://localhost:3000',
  clientId: process.env.CELR_CLIENT_ID ?? '',
  clientSecret: process.env.CELR_CLIENT_SECRET ?? '',
  onBehalfOf: process.env.CELR_ON_BEHALF_OF,
});

let learners = 0;
for await (const _learner of celr.list('learner')) learners++;
console.log(`acting for ${celr.options.onBehalfOf}: ${learners} learners`);

// One client, one token, several organisations: actingFor() changes only the header.
const other = celr.actingFor(process.env.OTHER_ORGANISATION_ID ?? '');
const plans = await other.GET('/v1/plans', { params: { query: { limit: 5 } } });
console.log(`the other organisation has plans: ${plans.items.length > 0}`);
