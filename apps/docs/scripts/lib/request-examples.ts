/**
 * The example body of each operation that takes one, for the API reference's code samples: the first
 * of the request body's named `examples` (or its `example`), keyed `METHOD path` as the sample's request
 * names them. vitepress-openapi reads only an array of examples, so an operation whose examples are
 * named (createPlan: one per nation) got a sample without a body.
 */
import { METHODS } from './openapi.js';

export function requestExamples(doc: { paths?: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
      if (!(METHODS as readonly string[]).includes(method)) continue;
      const content = (operation as { requestBody?: { content?: Record<string, MediaType> } })?.requestBody
        ?.content;
      if (!content) continue;
      const json = Object.entries(content).find(([type]) => /json/.test(type))?.[1];
      const example = json?.example ?? Object.values(json?.examples ?? {})[0]?.value;
      if (example !== undefined) out[`${method.toUpperCase()} ${path}`] = example;
    }
  }
  return out;
}

interface MediaType {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
