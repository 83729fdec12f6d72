import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { OPENAPI_PATH } from '../../src/openapi.js';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Checks a line of an export against the schema the committed OpenAPI document gives each line
 * (`x-oai-itemSchema` of GET /v1/bulk/export's NDJSON answer), as a reader of the document would:
 * the errors, empty when the line is what the document says.
 */
export async function exportLineValidator(): Promise<(line: unknown) => string[]> {
  const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  const media = document.paths['/v1/bulk/export'].get.responses['200'].content['application/x-ndjson'];
  const itemSchema = media['x-oai-itemSchema'];
  if (!itemSchema) throw new Error('The export does not say what each line is (x-oai-itemSchema).');
  // strict off: the document carries OpenAPI's own keywords (example, discriminator, x-...).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'float', 'double', 'binary']) ajv.addFormat(format, true);
  ajv.addSchema({ ...document, $id: 'https://celr.invalid/openapi.json' });
  const validate = ajv.compile({ $ref: `https://celr.invalid/openapi.json${itemSchema.$ref}` });
  return (line) =>
    validate(line) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
