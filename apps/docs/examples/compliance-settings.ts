/**
 * The guide "Your PEP policy and term dates": an authority loads its term dates from a spreadsheet,
 * adopts a policy of its own, and lists its termly reviews. Run by tests/docs/compliance-guide.test.ts.
 */
// #region term-dates
import { describeTermDatesIssue, termDatesFromCsv } from '@celr/schema';
import type { CelrClient, components } from '@celr/sdk';

/** Reads term dates saved from a spreadsheet as CSV and stores them as the authority's next version. */
export async function loadTermDates(client: CelrClient, authorityId: string, file: string, csv: string) {
  const read = termDatesFromCsv(csv, { name: 'Community schools 2025 to 2027' });
  // Each fault names its line, column and rule, e.g. "terms.csv:3: end: '2027-02-30' is not a valid date: write it as YYYY-MM-DD, e.g. 2013-09-01. (format)".
  if (!read.ok) throw new Error(read.issues.map((issue) => describeTermDatesIssue(file, issue)).join('\n'));
  return client.PUT('/v1/authorities/{organisationId}/term-dates', {
    params: { path: { organisationId: authorityId } },
    body: read.termDates,
  });
}
// #endregion term-dates

// #region policy
type CompliancePolicy = components['schemas']['CompliancePolicy'];

/**
 * Starts from the policy in force (the jurisdiction's default until the authority stores one) and
 * allows 20 working days for the PEP to be in place. The `If-Match` of a stored policy makes sure no
 * one else's change is overwritten: the API answers 412 if another was stored since it was read.
 */
export async function allowTwentyWorkingDays(client: CelrClient, authorityId: string) {
  const path = { params: { path: { organisationId: authorityId } } };
  const current = await client.GET('/v1/authorities/{organisationId}/compliance-policy', path);
  const policy = current.policy as CompliancePolicy;
  const ours: CompliancePolicy = {
    ...policy,
    // A default's id is the default's: a policy of the authority's own has its own id.
    id: current.stored ? policy.id : 'northbridge-pep',
    name: 'Northbridge PEP standard',
    deadlines: policy.deadlines.map((d) => (d.id === 'plan-in-place' ? { ...d, allowance: 20 } : d)),
  };
  return client.PUT('/v1/authorities/{organisationId}/compliance-policy', {
    ...path,
    body: ours,
    ...(current.version ? { headers: { 'if-match': `"v${current.version}"` } } : {}),
  });
}
// #endregion policy

// #region termly
type PepComplianceReport = components['schemas']['PepComplianceReport'];

/** Each child's termly PEP review on a day: when it is due, and whether it is met, due or overdue. */
export async function termlyReviews(client: CelrClient, asOf: string) {
  const report = (await client.GET('/v1/reports/pep-compliance', {
    params: { query: { asOf } },
  })) as PepComplianceReport;
  for (const p of report.policies)
    console.log(`${p.id} v${p.version}${p.termDates ? `, term dates v${p.termDates.version}` : ''}`);
  return report.items.flatMap((item) =>
    item.result.deadlines
      .filter((d) => d.deadline === 'termly-review')
      .map((d) => ({ child: `${item.name.given} ${item.name.family}`, dueOn: d.dueOn, status: d.status })),
  );
}
// #endregion termly
