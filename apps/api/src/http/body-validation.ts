import { capIssues, checkBounds, checkSchema, isRecordKind, records, validate } from '@celr/schema';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { validationProblem } from './problem.js';

/**
 * Request bodies are validated by @celr/schema, never by Fastify's Ajv, whose defaults strip
 * unknown properties and coerce types: a vendor's typo must be an error, not silently dropped.
 * A body that refers to a record input (`LearnerInput#`) gets the full record validation,
 * cross-field rules included; a merge patch is checked to be an object here and validated
 * after it is applied; any other body schema is checked as JSON Schema.
 */
export const bodyValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const ref = String((schema as { $ref?: string }).$ref ?? '');
  // A streamed body (a bulk import's NDJSON) is read and validated line by line by its job.
  if ((schema as { contentMediaType?: string }).contentMediaType === 'application/x-ndjson')
    return (body: unknown) => ({ value: body });
  // A bundle is validated record by record in the service, with pointers into the bundle; an
  // authority's policy and term dates in the service too, once the caller may change them, since
  // a policy's rules include the authority's jurisdiction.
  if (ref === 'TransferBundle#' || ref === 'CompliancePolicy#' || ref === 'TermDates#')
    return (body: unknown) => ({ value: body });
  const name = /^([A-Z][a-z]+)(Input|Patch)#$/.exec(ref);
  const kind = name?.[1]?.toLowerCase();
  if (name && kind && isRecordKind(kind)) {
    if (name[2] === 'Patch') {
      const patchSchema = records[kind].Patch;
      return (body: unknown) => {
        if (
          typeof body !== 'object' ||
          body === null ||
          Array.isArray(body) ||
          Object.keys(body).length === 0
        )
          return {
            error: validationProblem([
              { pointer: '', rule: 'type', message: 'A merge patch is a non-empty JSON object.' },
            ]) as never,
          };
        // Bounds and characters before the patch is applied: an oversized list or a NUL is refused
        // here, at a cost bounded by the body, before the stored record is even read.
        const bounds = checkBounds(patchSchema, body);
        return bounds.issues.length
          ? { error: validationProblem(capIssues(bounds.issues)) as never }
          : { value: body };
      };
    }
    return (body: unknown) => {
      const result = validate(kind, body);
      return result.ok ? { value: body } : { error: validationProblem(result.issues) as never };
    };
  }
  return (body: unknown) => {
    const issues = checkSchema(schema, body);
    return issues.length === 0 ? { value: body } : { error: validationProblem(issues) as never };
  };
};
