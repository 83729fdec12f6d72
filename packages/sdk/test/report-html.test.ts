/**
 * The HTML report as text: untrusted names escaped, nothing fetched from anywhere, charts drawn at
 * render time with their titles, descriptions and the figures beside them. tests/sdk/report-html.test.ts
 * opens a real report in Chromium and checks the charts against the figures.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../src/cli/report-html/html.js';
import { cohortFilters, renderCohortHtml, renderPepComplianceHtml } from '../src/cli/report-html/index.js';
import type { components } from '../src/generated/api.js';

type Report = components['schemas']['PepComplianceReport'];
type Item = Report['items'][number];
type Deadline = Item['result']['deadlines'][number];

const LEARNER = '7d1f4f6e-3c1a-4d7e-9a51-2b8f0c6d9e11';
const ref = { kind: 'learner', id: LEARNER, field: '/careStatus/since' } as const;
const clockStart = { event: 'entering-care', date: '2026-03-02', decidedBy: ref } as const;

const deadline = (dueOn: string, status: Deadline['status'], daysLate?: number): Deadline => ({
  deadline: 'plan-in-place',
  occurrence: 1,
  clockStart,
  dueOn,
  daysLateUnit: 'working-days',
  status,
  ...(daysLate ? { daysLate } : {}),
});

function item(given: string, family: string, rating: string | null, deadlines: Deadline[]): Item {
  return {
    learnerId: LEARNER,
    name: { given, family },
    school: { id: LEARNER, name: 'St Mary\'s "Juniors" & <Infants>' },
    result: {
      learnerId: LEARNER,
      policy: { id: 'england-dfe-2018', version: 1 },
      asOf: '2026-04-30',
      outcome: 'assessed',
      message: 'Assessed.',
      clockStart,
      deadlines,
      notAssessed: [],
      currentPlan:
        rating === null
          ? null
          : {
              id: LEARNER,
              type: 'pep',
              start: '2026-03-18',
              rating,
              ratedOn: '2026-03-20',
              adequate: rating !== 'red',
            },
      lastReview: null,
    },
  };
}

const HOSTILE = '<script>alert("pwned")</script>';
const QUOTED = `O'Brien "Bo" & <b>Co</b>`;

function report(policyId = 'england-dfe-2018'): Report {
  return {
    asOf: '2026-04-30',
    policies: [
      { id: policyId, version: 1, name: 'England: DfE <2018>', jurisdiction: 'england', stored: false },
    ],
    summary: {
      children: 3,
      outcomes: { assessed: 3, 'no-plan': 0, 'not-looked-after': 0, 'no-clock-start': 0 },
      deadlines: { met: 1, late: 1, due: 0, overdue: 1 },
    },
    items: [
      item(HOSTILE, QUOTED, 'green', [deadline('2026-03-16', 'met')]),
      item('Cal', 'Late', 'red', [deadline('2026-03-16', 'late', 2)]),
      item('Dee', 'Overdue', null, [deadline('2026-04-14', 'overdue', 12)]),
    ],
  };
}

const render = (r = report()) =>
  renderPepComplianceHtml(r, {
    generatedAt: new Date('2026-05-01T09:30:00Z'),
    source: 'https://api.example',
  });

describe('the PEP compliance report as HTML', () => {
  it('escapes what the API says: names, schools and policy names are text, never markup', async () => {
    const page = await render();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('<b>Co</b>');
    expect(page).not.toContain('<Infants>');
    expect(page).toContain(`<th scope="row">${escapeHtml(`${HOSTILE} ${QUOTED}`)}</th>`);
    expect(page).toContain(escapeHtml('St Mary\'s "Juniors" & <Infants>'));
    expect(page).toContain('England: DfE &lt;2018&gt;');
    expect(escapeHtml(`<a href="x" title='y'>&`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
  });

  it('is self-contained: no script, no link, nothing to fetch, and a policy that forbids both', async () => {
    const page = await render();
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(page).not.toMatch(/<(script|link|img|iframe|object)\b/i);
    expect(page).not.toMatch(/\b(src|href)=/i);
    expect(page).not.toMatch(/url\(|@import/i);
    // The only URLs: SVG's namespaces, and the API's address as text in the footer.
    const urls = [...page.matchAll(/https?:\/\/[^\s"'<)]*[^\s"'<).]/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(
      new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink', 'https://api.example']),
    );
  });

  it('draws two charts as inline SVG, each titled and described with its figures', async () => {
    const page = await render();
    const svgs = [...page.matchAll(/<svg\b[^>]*>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(2);
    for (const svg of svgs) expect(svg).toMatch(/role="graphics-document document"/);
    expect(page).toContain(
      '<title id="chart-by-month-title">PEP deadlines due each month, May 2025 to Jun 2026</title>',
    );
    // Mar: 1 met, 1 late (50 %); Apr: 1 overdue (0 %).
    expect(page).toContain(
      '<desc id="chart-by-month-desc">On time, of the deadlines met or past due: Mar 2026 50 %, Apr 2026 0 %.</desc>',
    );
    expect(page).toContain(
      '<desc id="chart-ratings-desc">Green: 1, Amber: 0, Red: 1, Not rated: 0, No plan: 1.</desc>',
    );
    // Vega labels each bar for screen readers with the words the report gives it.
    expect(page).toContain('aria-label="Mar 2026: 1 deadline met late"');
    expect(page).toContain('aria-label="No plan: 1 child"');
    expect(page.match(/aria-roledescription="bar"/g)).toHaveLength(3 + 3);
  });

  it('takes the ratings from the plans when the policy is not one it knows', async () => {
    const page = await render(report('northbridge-2026'));
    expect(page).toContain(
      '<desc id="chart-ratings-desc">Green: 1, Red: 1, Not rated: 0, No plan: 1.</desc>',
    );
  });

  it("says why a child has no deadlines once, in the API's words", async () => {
    const r = report();
    const left = r.items[2]!;
    left.result = {
      ...left.result,
      outcome: 'not-looked-after',
      message: "Not looked after: care status is 'care-leaver'.",
      deadlines: [],
    };
    r.items[1]!.result = {
      ...r.items[1]!.result,
      outcome: 'no-plan',
      message: 'Looked after since 2026-03-02; no plan in force.',
    };
    const page = await render(r);
    expect(page).toContain('<li>Not looked after: care status is &#39;care-leaver&#39;.</li>');
    expect(page).toContain('<li>No plan: Looked after since 2026-03-02; no plan in force.</li>');
  });

  it('renders an empty report', async () => {
    const empty: Report = {
      ...report(),
      policies: [],
      summary: { ...report().summary, children: 0, deadlines: { met: 0, late: 0, due: 0, overdue: 0 } },
      items: [],
    };
    const page = await render(empty);
    expect(page).toContain('No deadline in these months was met or past due.');
    expect(page).toContain('No children: your organisation sees none in this report.');
  });
});

type Cohort = components['schemas']['CohortReport'];
type CohortItem = Cohort['items'][number];

function cohortItem(
  given: string,
  band: CohortItem['row']['attendance']['band'],
  attendancePercent: number | null,
  rating: string,
): CohortItem {
  return {
    learnerId: LEARNER,
    name: { given, family: 'Pupil' },
    row: {
      learnerId: LEARNER,
      asOf: '2026-04-30',
      jurisdiction: 'england',
      careStatus: 'looked-after',
      yearGroup: '8',
      yearGroupFrom: 'enrolment',
      phase: 'secondary',
      school: { scheme: 'urn', code: '990001', name: '<b>Park</b> Academy' },
      setting: 'full-time',
      schoolLocation: 'out-of-authority',
      placementLocation: 'in-authority',
      outOfAuthority: true,
      plan: null,
      rating,
      compliance: { outcome: 'assessed', overdue: 0 },
      attendance: {
        schoolYear: { start: '2025-09-01', end: '2026-08-31' },
        possibleSessions: attendancePercent === null ? 0 : 100,
        attendedSessions: attendancePercent ?? 0,
        absenceSessions: attendancePercent === null ? 0 : 100 - attendancePercent,
        attendancePercent,
        absencePercent: attendancePercent === null ? null : 100 - attendancePercent,
        band,
        persistentAbsence: band === 'persistent-absence' || band === 'severe-absence',
      },
      exclusions: {
        term: { name: 'Summer', start: '2026-04-13', end: '2026-07-22', from: 'conventional' },
        suspensionsThisTerm: 0,
        exclusionsThisTerm: 0,
        suspensionsThisYear: 1,
        exclusionsThisYear: 0,
      },
      moves: { since: '2025-04-30', school: 0, placement: 1 },
      identifiers: { upn: true, uln: false, scn: false },
      funding: { fundingSource: 'pupil-premium-plus', allocatedPence: 100000, spentPence: 60000 },
    },
  };
}

function cohort(): Cohort {
  return {
    asOf: '2026-04-30',
    policies: { england: { id: 'england-dfe-2018', version: 1, name: 'England: DfE 2018' } },
    items: [
      cohortItem(HOSTILE, 'absence-under-5', 97, 'green'),
      cohortItem('Bo', 'persistent-absence', 88, 'green'),
      cohortItem('Cy', 'no-data', null, 'no-plan'),
    ],
    summary: {
      children: 3,
      phases: { 'early-years': 0, primary: 0, secondary: 3, 'post-16': 0 },
      attendanceBands: {
        'absence-under-5': 1,
        'absence-5-to-10': 0,
        'persistent-absence': 1,
        'severe-absence': 0,
        'no-data': 1,
      },
      persistentAbsence: 1,
      ratings: { green: 2, 'no-plan': 1 },
      overdue: 0,
      outOfAuthority: 3,
      suspensionsThisTerm: 0,
      exclusionsThisTerm: 0,
      suspensionsThisYear: 3,
      exclusionsThisYear: 0,
      movedSchool: 0,
      movedPlacement: 3,
      identifiers: { upn: 3, uln: 0, scn: 0 },
      funding: {
        'pupil-premium-plus': { allocatedPence: 300000, spentPence: 180000 },
        'care-experienced-children-and-young-people-fund': { allocatedPence: 0, spentPence: 0 },
      },
    },
  };
}

describe('the cohort report as HTML', () => {
  it('draws the attendance bands and the ratings from the summary, escaping names and schools', async () => {
    const page = await renderCohortHtml(cohort(), { generatedAt: new Date('2026-05-01T09:30:00Z') });
    expect(page).not.toMatch(/<script|<b>/i);
    expect(page).toContain(`<th scope="row">${escapeHtml(`${HOSTILE} Pupil`)}</th>`);
    expect(page.match(/<svg\b/g)).toHaveLength(2);
    expect(page).toContain(
      '<desc id="chart-attendance-desc">Missed less than 5 % of sessions: 1; Missed 5 % to less than 10 %: 0; Persistent absence: missed 10 % to less than 50 %: 1; Severe absence: missed 50 % or more: 0; No attendance recorded: 1.</desc>',
    );
    expect(page).toContain('aria-label="Persistent absence: missed 10 % to less than 50 %: 1 child"');
    expect(page).toContain(
      '<desc id="chart-ratings-desc">Green: 2, Amber: 0, Red: 0, Not rated: 0, No plan: 1.</desc>',
    );
    // Three bands and two ratings have children: a bar each.
    expect(page.match(/aria-roledescription="bar"/g)).toHaveLength(3 + 2);
    expect(page).toContain('<td class="num">£3,000.00</td><td class="num">£1,800.00</td>');
    expect(page).toContain('<td>88 % (persistent absence)</td>');
  });

  it('says which children a filtered report holds', async () => {
    const filters = cohortFilters({ yearGroup: '7', rating: 'no-plan', overdue: true });
    expect(filters).toEqual([
      'year group 7',
      'children with no plan',
      'children with a PEP deadline overdue',
    ]);
    expect(cohortFilters({ rating: 'unrated', outOfAuthority: true })).toEqual([
      'children whose plan is not rated',
      'children at school or placed out of authority',
    ]);
    const page = await renderCohortHtml(cohort(), { generatedAt: new Date(), filters });
    expect(page).toContain(
      'As of 30 Apr 2026: 3 children. Only year group 7; children with no plan; children with a PEP deadline overdue.',
    );
  });
});
