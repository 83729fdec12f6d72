import type { TSchema } from 'typebox';
import { pointerOf, type ValidationIssue } from '../validation/issue.js';
import { checkSchema, validate } from '../validation/validate.js';
import { BundleManifest, BundleSignature, bundleDigest, type TransferBundle } from './bundle.js';

const LISTS = [
  ['plans', 'plan', 1000],
  ['meetings', 'meeting', 5000],
  ['transitions', 'transition', 1000],
] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const prefixed = (prefix: string, issues: ValidationIssue[]) =>
  issues.map((i) => ({ ...i, pointer: `${prefix}${i.pointer}` }));

/**
 * Validate a transfer bundle offline: the manifest, every record in the content (with every rule
 * `validate` applies), and that all records belong to the one learner. Every issue has a pointer
 * into the bundle. The digest is checked separately (`verifyBundleDigest`), because it is async.
 */
export function validateBundle(value: unknown, options: { today?: string } = {}): ValidationIssue[] {
  if (!isObject(value))
    return [
      { pointer: '', rule: 'type', message: 'A bundle is a JSON object with `manifest` and `content`.' },
    ];
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'manifest' && key !== 'content' && key !== 'signature')
      issues.push({
        pointer: pointerOf(key),
        rule: 'unknown-property',
        message: `'${key}' is not part of a bundle.`,
      });
  }
  if (!isObject(value.manifest))
    issues.push({ pointer: '/manifest', rule: 'required', message: "'manifest' is required." });
  else issues.push(...prefixed('/manifest', checkSchema(BundleManifest as TSchema, value.manifest)));
  if (value.signature !== undefined)
    issues.push(...prefixed('/signature', checkSchema(BundleSignature as TSchema, value.signature)));
  const content = value.content;
  if (!isObject(content)) {
    issues.push({ pointer: '/content', rule: 'required', message: "'content' is required." });
    return issues;
  }
  for (const key of Object.keys(content)) {
    if (!['learner', 'plans', 'meetings', 'transitions'].includes(key)) {
      issues.push({
        pointer: pointerOf('content', key),
        rule: 'unknown-property',
        message: `'${key}' is not part of a bundle's content.`,
      });
    }
  }
  const learner = content.learner;
  if (!isObject(learner))
    issues.push({ pointer: '/content/learner', rule: 'required', message: "'learner' is required." });
  else
    issues.push(
      ...prefixed(
        '/content/learner',
        validate('learner', learner, { shape: 'record', today: options.today }).issues,
      ),
    );
  const learnerId = isObject(learner) ? learner.id : undefined;
  const manifestLearner = isObject(value.manifest) ? value.manifest.learnerId : undefined;
  if (learnerId !== undefined && manifestLearner !== undefined && learnerId !== manifestLearner) {
    issues.push({
      pointer: '/manifest/learnerId',
      rule: 'bundle-learner',
      message: 'The manifest names another learner than the content holds.',
    });
  }
  for (const [key, kind, max] of LISTS) {
    const list = content[key];
    if (!Array.isArray(list)) {
      issues.push({
        pointer: pointerOf('content', key),
        rule: list === undefined ? 'required' : 'type',
        message: `'${key}' is a list (empty when there are none).`,
      });
      continue;
    }
    if (list.length > max)
      issues.push({
        pointer: pointerOf('content', key),
        rule: 'maxItems',
        message: `At most ${max} ${key} in one bundle.`,
      });
    list.forEach((record, i) => {
      const at = pointerOf('content', key, i);
      issues.push(...prefixed(at, validate(kind, record, { shape: 'record', today: options.today }).issues));
      if (isObject(record) && learnerId !== undefined && record.learnerId !== learnerId) {
        issues.push({
          pointer: `${at}/learnerId`,
          rule: 'bundle-learner',
          message: "Every record in a bundle is about the bundle's learner.",
        });
      }
    });
  }
  return issues;
}

/** Whether the manifest's digest matches the content; the issue to report when it does not. */
export async function verifyBundleDigest(
  bundle: Pick<TransferBundle, 'manifest' | 'content'>,
): Promise<ValidationIssue | undefined> {
  const actual = await bundleDigest(bundle.content);
  if (actual === bundle.manifest.contentDigest) return undefined;
  return {
    pointer: '/manifest/contentDigest',
    rule: 'digest-mismatch',
    message: `The content's SHA-256 is ${actual}, not ${bundle.manifest.contentDigest}: the bundle was changed after it was made, or damaged on the way.`,
  };
}
