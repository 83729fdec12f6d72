/**
 * The guide "The cohort report": the cohort of the children an organisation can see, by year group,
 * the persistently absent, and the CSV for a spreadsheet. Run by tests/docs/cohort-guide.test.ts.
 */
// #region by-year-group
import type { CelrClient, components } from '@celr/sdk';

// The operation answers JSON or CSV; asked without `Accept: text/csv`, it is this JSON.
type CohortReport = components['schemas']['CohortReport'];

/** Children, persistent absence, overdue PEPs and PP+ per year group on a day. */
export async function cohortByYearGroup(client: CelrClient, asOf: string) {
  const report = (await client.GET('/v1/reports/cohort', {
    params: { query: { asOf, groupBy: 'yearGroup' } },
  })) as CohortReport;
  for (const group of report.groups ?? []) {
    console.log(
      `${group.key.padEnd(5)} ${group.children} children, ${group.persistentAbsence} persistently absent, ` +
        `${group.overdue} with a PEP overdue, PP+ £${(group.spentPence / 100).toFixed(2)} spent ` +
        `of £${(group.allocatedPence / 100).toFixed(2)}`,
    );
  }
  return report;
}
// #endregion by-year-group

// #region persistent-absence
/** The children who missed 10 % or more of their sessions this school year, worst first. */
export async function persistentlyAbsent(client: CelrClient, asOf: string) {
  const report = (await client.GET('/v1/reports/cohort', { params: { query: { asOf } } })) as CohortReport;
  return report.items
    .filter((item) => item.row.attendance.persistentAbsence)
    .map((item) => ({
      learnerId: item.learnerId,
      name: `${item.name.given} ${item.name.family}`,
      yearGroup: item.row.yearGroup,
      attendancePercent: item.row.attendance.attendancePercent,
    }))
    .sort((a, b) => (a.attendancePercent ?? 0) - (b.attendancePercent ?? 0));
}
// #endregion persistent-absence

// #region csv
/** The children placed or at school out of authority, as CSV (one row per child). */
export async function outOfAuthorityCsv(client: CelrClient, asOf: string): Promise<string> {
  const { data, error, response } = await client.raw.GET('/v1/reports/cohort', {
    params: { query: { asOf, outOfAuthority: true } },
    headers: { accept: 'text/csv' },
    parseAs: 'text',
  });
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(error)}`);
  return data as unknown as string;
}
// #endregion csv
