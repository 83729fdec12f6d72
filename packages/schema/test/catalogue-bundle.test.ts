/**
 * The named TransferBundle schema (the OpenAPI document's and the JSON Schema files') accepts what
 * the API serves: a signed bundle. It once dropped `signature`, so every signed bundle broke it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { expect, it } from 'vitest';
import { schemaCatalogue } from '../src/catalogue.js';
import { exampleBundle } from '../src/examples/bundle.js';

it('accepts a signed bundle, and refuses a member it does not have', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  for (const { name, schema } of schemaCatalogue()) ajv.addSchema(schema as object, name);
  const validate = ajv.getSchema('TransferBundle');
  expect(validate).toBeDefined();
  const signed = { ...exampleBundle, signature: 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0..c2lnbmF0dXJl' };
  expect(validate!(signed), JSON.stringify(validate!.errors)).toBe(true);
  expect(validate!({ ...signed, stowaway: true })).toBe(false);
});
