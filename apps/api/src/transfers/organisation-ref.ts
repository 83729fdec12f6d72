import type { OrganisationRef } from '@celr/schema';
import type { Prisma } from '../generated/prisma/client.js';

type Org = {
  id: string;
  kind: string;
  name: string;
  laCode: string | null;
  urn: string | null;
  seedCode: string | null;
  jurisdiction: string | null;
};
type Tx = Pick<Prisma.TransactionClient, 'organisation'>;

/** How a bundle names an organisation: its public code, so the bundle means the same anywhere. */
export function refOf(org: Org): OrganisationRef {
  if (org.kind === 'local-authority' && org.laCode) {
    return {
      scheme: org.laCode.startsWith('S12') ? 'council-code' : 'la-code',
      code: org.laCode,
      name: org.name,
    };
  }
  if (org.kind === 'school' && org.urn) return { scheme: 'urn', code: org.urn, name: org.name };
  if (org.kind === 'school' && org.seedCode)
    return { scheme: 'seed-code', code: org.seedCode, name: org.name };
  return { scheme: 'celr-vendor', code: org.id.slice(0, 8), name: org.name };
}

/** The registered organisation a reference names, if any. */
export async function resolveRef(db: Tx, ref: { scheme?: string; code?: string }) {
  // A reference without a code names no organisation. Left in the filter as undefined, Prisma would
  // drop the condition and match the first organisation of the kind.
  if (ref.code === undefined) return null;
  const where: Prisma.OrganisationWhereInput | undefined =
    ref.scheme === 'la-code' || ref.scheme === 'council-code'
      ? { kind: 'local-authority', laCode: ref.code }
      : ref.scheme === 'urn'
        ? { kind: 'school', urn: ref.code }
        : ref.scheme === 'seed-code'
          ? { kind: 'school', seedCode: ref.code }
          : undefined;
  return where ? db.organisation.findFirst({ where }) : null;
}

export const sameOrganisation = (
  a: { scheme?: string; code?: string },
  b: { scheme?: string; code?: string },
) => a.scheme === b.scheme && a.code === b.code;
