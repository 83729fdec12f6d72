/**
 * `celr report pep-compliance --html`: the page written from a running API, opened from its file in a
 * real headless Chromium (Debian's, never a downloaded one). The charts render, with as many bars and
 * labels as the report has months and ratings, and every figure on them matches what this test works
 * out from the same report's JSON; the page asks for nothing over the network and logs no error; a
 * child's name that is markup stays text.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ATTENDANCE_BANDS, englandPlan } from '@celr/schema';
import { type CelrClient, createCelrClient } from '@celr/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './support/api.js';
import { celr, scratchFolder } from './support/cli.js';
import { learner, plan } from './support/records.js';

const CHROMIUM = '/usr/bin/chromium';
const AS_OF = '2026-04-30';
const HOSTILE = { given: '<script>alert("x")</script>', family: `O'Hara "Jo" & <i>Co</i>` };

let api: RunningApi;
let northbridge: CelrClient;
const scratch = scratchFolder();

beforeAll(async () => {
  api = await startApi();
  northbridge = createCelrClient({
    baseUrl: api.baseUrl,
    clientId: api.clients.northbridge.clientId,
    clientSecret: api.clients.northbridge.secret,
  });
  // Children who came into care in different months, with plans made on time, late or not at all,
  // rated green, amber or red or not rated: the report's deadlines fall in several months and
  // every kind of rating is there.
  // Attendance this school year (possible and attended sessions, from September to December) puts
  // them in every band: 1.4 %, 7.1 %, exactly 10 % (persistent), 57 % (severe) and 14 % missed; two
  // have none recorded.
  const children: {
    name: { given: string; family: string };
    since: string;
    plan?: string;
    rating?: 'green' | 'amber' | 'red';
    attended?: [number, number];
  }[] = [
    {
      name: { given: 'Ann', family: 'Ontime' },
      since: '2025-11-03',
      plan: '2025-11-10',
      rating: 'green',
      attended: [140, 138],
    },
    {
      name: { given: 'Ben', family: 'Unrated' },
      since: '2025-11-03',
      plan: '2025-11-28',
      attended: [140, 130],
    },
    {
      name: { given: 'Cat', family: 'Amber' },
      since: '2026-01-05',
      plan: '2026-01-12',
      rating: 'amber',
      attended: [140, 126],
    },
    {
      name: { given: 'Dan', family: 'Red' },
      since: '2026-02-02',
      plan: '2026-02-25',
      rating: 'red',
      attended: [140, 60],
    },
    {
      name: { given: 'Eve', family: 'Late' },
      since: '2026-03-02',
      plan: '2026-03-18',
      rating: 'green',
      attended: [140, 120],
    },
    { name: HOSTILE, since: '2026-03-02' },
    { name: { given: 'Fay', family: 'Upcoming' }, since: '2026-04-20' },
  ];
  for (const [i, child] of children.entries()) {
    const careStatus = { status: 'looked-after', legalStatus: 'C2', placementType: 'U4', since: child.since };
    const created = await northbridge.create(
      'learner',
      learner(100 + i, {
        name: child.name,
        careStatus,
        ...(child.attended
          ? {
              attendance: [
                {
                  period: { start: '2025-09-03', end: '2025-12-19' },
                  possibleSessions: child.attended[0],
                  attendedSessions: child.attended[1],
                  authorisedAbsenceSessions: child.attended[0] - child.attended[1],
                  unauthorisedAbsenceSessions: 0,
                },
              ],
            }
          : // None recorded (the example learner the records start from has some).
            { attendance: [] }),
      } as never),
    );
    if (!child.plan) continue;
    await northbridge.create(
      'plan',
      plan(created.id, {
        ...(child.rating
          ? {
              qualityAssurance: {
                ...englandPlan.qualityAssurance,
                rating: child.rating,
                reviewedOn: child.plan,
              },
            }
          : // Not rated: no quality assurance (undefined is left out of the JSON sent).
            { qualityAssurance: undefined }),
        period: { start: child.plan },
        reviewDue: '2026-07-01',
        signOff: { ...englandPlan.signOff, signedOffOn: child.plan },
      } as never),
    );
  }
}, 120_000);

afterAll(async () => {
  await api?.close();
  scratch.remove();
});

const report = (args: string[]) =>
  celr(['report', 'pep-compliance', '--as-of', AS_OF, ...args], {
    cwd: scratch.dir,
    env: api.env('northbridge'),
  });

type Report = {
  asOf: string;
  summary: { deadlines: Record<'met' | 'late' | 'due' | 'overdue', number> };
  items: {
    name: { given: string; family: string };
    result: {
      deadlines: { dueOn: string; status: 'met' | 'late' | 'due' | 'overdue' }[];
      currentPlan: { rating?: string } | null;
    };
  }[];
};

/** What the charts must show, worked out here from the JSON, not with the renderer's code. */
function expected(json: Report) {
  const monthName = (ym: string) =>
    new Date(`${ym}-01T00:00:00Z`).toLocaleDateString('en-GB', {
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    });
  // The chart: the twelve months to the report's date and the two after it.
  const months: string[] = [];
  for (let i = -11; i <= 2; i++) {
    const d = new Date(`${json.asOf.slice(0, 7)}-01T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + i);
    months.push(d.toISOString().slice(0, 7));
  }
  const words = { met: 'met on time', late: 'met late', overdue: 'overdue', due: 'not yet due' };
  const bars = new Map<string, number>();
  const perMonth = new Map(months.map((m) => [m, { met: 0, late: 0, overdue: 0, due: 0 }]));
  for (const item of json.items) {
    for (const d of item.result.deadlines) {
      const month = perMonth.get(d.dueOn.slice(0, 7));
      if (!month) continue;
      month[d.status]++;
      const key = `${monthName(d.dueOn.slice(0, 7))}|${words[d.status]}`;
      bars.set(key, (bars.get(key) ?? 0) + 1);
    }
  }
  const rates = months
    .map((m) => {
      const c = perMonth.get(m)!;
      const decided = c.met + c.late + c.overdue;
      return decided ? { month: monthName(m), rate: `${Math.round((100 * c.met) / decided)} %` } : null;
    })
    .filter((r) => r !== null);
  const ratings = new Map<string, number>();
  for (const item of json.items) {
    const plan = item.result.currentPlan;
    const label = !plan
      ? 'No plan'
      : !plan.rating
        ? 'Not rated'
        : plan.rating[0]!.toUpperCase() + plan.rating.slice(1);
    ratings.set(label, (ratings.get(label) ?? 0) + 1);
  }
  return { months: months.map(monthName), perMonth: [...perMonth.values()], bars, rates, ratings };
}

const hasChromium = existsSync(CHROMIUM);
let browser: Browser | undefined;

/** Opens a written report from its file in the one browser of this test file, recording what it asks for. */
async function open(file: string) {
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  // Every request is recorded; any but the page's own file is refused.
  const url = pathToFileURL(file).href;
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  return { page, url, requests, problems };
}

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)('celr report pep-compliance --html, in Chromium', () => {
  let page: Page;
  let json: Report;
  let requests: string[];
  let problems: string[];
  const file = join(scratch.dir, 'board', 'pep.html');

  beforeAll(async () => {
    const asJson = await report(['--json']);
    expect(asJson.code, asJson.stderr).toBe(0);
    json = JSON.parse(asJson.stdout);
    mkdirSync(join(scratch.dir, 'board'));
    const written = await report(['--html', 'board/pep.html']);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toBe(`Wrote ${file}\n`);
    ({ page, requests, problems } = await open(file));
  }, 120_000);

  it('loads from its file alone, with no error', async () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
    expect(await page.title()).toBe('PEP compliance');
  });

  it('draws a bar for each month and status, as tall as its count, and the on-time share above each month', async () => {
    const want = expected(json);
    // The data is varied enough for the check to mean something.
    expect(want.bars.size).toBeGreaterThanOrEqual(5);
    expect(want.rates.length).toBeGreaterThanOrEqual(4);

    const chart = page.locator('#on-time-figure svg');
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(150);

    const bars = chart.locator('[aria-roledescription="bar"]');
    expect(await bars.count()).toBe(want.bars.size);
    const seen = new Map<string, number>();
    const heightPerDeadline: number[] = [];
    for (const bar of await bars.all()) {
      const label = (await bar.getAttribute('aria-label'))!;
      const [, month, count, status] = label.match(/^(.+): (\d+) deadlines? (.+)$/)!;
      seen.set(`${month}|${status}`, Number(count));
      const b = (await bar.boundingBox())!;
      expect(b.width, label).toBeGreaterThan(5);
      heightPerDeadline.push(b.height / Number(count));
    }
    expect(seen).toEqual(want.bars);
    // One scale: every bar is the same height per deadline (within a pixel of rounding).
    for (const h of heightPerDeadline) expect(Math.abs(h - heightPerDeadline[0]!)).toBeLessThan(1);

    // The percentages, read left to right as the chart shows them.
    const labels = await chart.locator('[aria-roledescription="text mark"]').all();
    const texts = await Promise.all(
      labels.map(async (l) => ({ text: (await l.textContent())!, x: (await l.boundingBox())!.x })),
    );
    expect(texts.sort((a, b) => a.x - b.x).map((t) => t.text)).toEqual(want.rates.map((r) => r.rate));
    // A screen reader is told the same figures.
    expect(await chart.getAttribute('aria-describedby')).toBe('chart-by-month-desc');
    expect(await chart.locator('desc').textContent()).toBe(
      `On time, of the deadlines met or past due: ${want.rates.map((r) => `${r.month} ${r.rate}`).join(', ')}.`,
    );
  });

  it('gives the same figures in the table under the chart', async () => {
    const want = expected(json);
    const rows = page.locator('#on-time-figure table tbody tr');
    expect(await rows.count()).toBe(want.months.length);
    for (const [i, month] of want.months.entries()) {
      const c = want.perMonth[i]!;
      const decided = c.met + c.late + c.overdue;
      const cells = await rows.nth(i).locator('th, td').allTextContents();
      expect(cells).toEqual([
        month,
        String(c.met),
        String(c.late),
        String(c.overdue),
        String(c.due),
        decided ? `${Math.round((100 * c.met) / decided)} %` : '–',
      ]);
    }
    const s = json.summary.deadlines;
    await expect
      .poll(() =>
        page
          .locator('#summary tr', { hasText: 'Deadlines met on time, of those met or past due' })
          .locator('td')
          .textContent(),
      )
      .toBe(`${Math.round((100 * s.met) / (s.met + s.late + s.overdue))} %`);
  });

  it('draws a bar for each rating the plans have, as tall as its count of children', async () => {
    const want = expected(json).ratings;
    expect(want.size).toBeGreaterThanOrEqual(5);
    const chart = page.locator('#ratings-figure svg');
    const bars = chart.locator('[aria-roledescription="bar"]');
    expect(await bars.count()).toBe(want.size);
    const seen = new Map<string, number>();
    const heights: number[] = [];
    for (const bar of await bars.all()) {
      const [, rating, count] = (await bar.getAttribute('aria-label'))!.match(/^(.+): (\d+) child(?:ren)?$/)!;
      seen.set(rating!, Number(count));
      heights.push((await bar.boundingBox())!.height / Number(count));
    }
    expect(seen).toEqual(want);
    for (const h of heights) expect(Math.abs(h - heights[0]!)).toBeLessThan(1);
    const counts = await chart.locator('[aria-roledescription="text mark"]').allTextContents();
    expect(counts.map(Number).sort()).toEqual([...want.values()].sort());
  });

  it('prints to A4 with its charts and tables', async () => {
    await page.emulateMedia({ media: 'print' });
    try {
      for (const selector of ['#on-time-figure svg', '#ratings-figure svg', '#children table']) {
        const box = (await page.locator(selector).boundingBox())!;
        expect(box.width * box.height, selector).toBeGreaterThan(0);
      }
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it("shows a child's name that is markup as text, and runs no script", async () => {
    const name = `${HOSTILE.given} ${HOSTILE.family}`;
    await expect.poll(() => page.getByRole('rowheader', { name, exact: true }).count()).toBe(1);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(await page.locator('#children i').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

const cohortReport = (args: string[]) =>
  celr(['report', 'cohort', '--as-of', AS_OF, ...args], { cwd: scratch.dir, env: api.env('northbridge') });

type Cohort = {
  summary: { persistentAbsence: number };
  items: {
    name: { given: string; family: string };
    row: { rating: string; attendance: { band: string; persistentAbsence: boolean } };
  }[];
};

/** Children by a label, counted here from each child's row. */
function countBy(json: Cohort, label: (row: Cohort['items'][number]['row']) => string) {
  const counts = new Map<string, number>();
  for (const { row } of json.items) counts.set(label(row), (counts.get(label(row)) ?? 0) + 1);
  return counts;
}

/** Reads a chart's bars: each one's label ("<what>: <n> children") and its length along `axis`. */
async function barsOf(page: Page, selector: string, axis: 'width' | 'height') {
  const bars = page.locator(`${selector} svg [aria-roledescription="bar"]`);
  const counts = new Map<string, number>();
  const perChild: number[] = [];
  for (const bar of await bars.all()) {
    const [, what, n] = (await bar.getAttribute('aria-label'))!.match(/^(.+): (\d+) child(?:ren)?$/)!;
    counts.set(what!, Number(n));
    perChild.push((await bar.boundingBox())![axis] / Number(n));
  }
  return { counts, perChild };
}

describe.skipIf(!hasChromium)('celr report cohort --html, in Chromium', () => {
  let page: Page;
  let json: Cohort;
  let requests: string[];
  let problems: string[];
  let url: string;
  const file = join(scratch.dir, 'cohort.html');

  beforeAll(async () => {
    const asJson = await cohortReport(['--json']);
    expect(asJson.code, asJson.stderr).toBe(0);
    json = JSON.parse(asJson.stdout);
    const written = await cohortReport(['--html', 'cohort.html']);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toBe(`Wrote ${file}\n`);
    ({ page, url, requests, problems } = await open(file));
  }, 120_000);

  it('loads from its file alone, with no error', () => {
    expect(requests).toEqual([url]);
    expect(problems).toEqual([]);
  });

  it('draws a bar for each attendance band with children, as long as its count', async () => {
    const band = (code: string) =>
      ATTENDANCE_BANDS.find((b) => b.code === code)?.label ?? 'No attendance recorded';
    const want = countBy(json, (row) => band(row.attendance.band));
    expect(want.size).toBe(5);
    const { counts, perChild } = await barsOf(page, '#attendance-figure', 'width');
    expect(counts).toEqual(want);
    for (const w of perChild) expect(Math.abs(w - perChild[0]!)).toBeLessThan(1);
    const box = (await page.locator('#attendance-figure svg').boundingBox())!;
    expect(box.width * box.height).toBeGreaterThan(0);
    const persistent = json.items.filter((i) => i.row.attendance.persistentAbsence).length;
    expect(persistent).toBe(3);
    expect(
      await page.locator('#summary tr', { hasText: 'Persistently absent' }).locator('td').textContent(),
    ).toBe(`${persistent} (${Math.round((100 * persistent) / json.items.length)} %)`);
  });

  it('draws a bar for each rating the children have, as tall as its count', async () => {
    const label = (rating: string) =>
      rating === 'unrated'
        ? 'Not rated'
        : rating === 'no-plan'
          ? 'No plan'
          : rating[0]!.toUpperCase() + rating.slice(1);
    const want = countBy(json, (row) => label(row.rating));
    expect(want.size).toBe(5);
    const { counts, perChild } = await barsOf(page, '#ratings-figure', 'height');
    expect(counts).toEqual(want);
    for (const h of perChild) expect(Math.abs(h - perChild[0]!)).toBeLessThan(1);
  });

  it("shows a child's name that is markup as text", async () => {
    const name = `${HOSTILE.given} ${HOSTILE.family}`;
    expect(await page.getByRole('rowheader', { name, exact: true }).count()).toBe(1);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
  });
});

describe('celr report pep-compliance --html, on disk', () => {
  it('names the file it cannot write', async () => {
    const missing = await report(['--html', 'no-such-folder/pep.html']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `--html no-such-folder/pep.html: cannot write ${join(scratch.dir, 'no-such-folder', 'pep.html')}: no such folder.`,
    );
    const folder = await report(['--html', '.']);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`--html .: ${scratch.dir} is a folder; name a file in it.`);
    const both = await report(['--html', 'pep.html', '--json']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one of --csv, --json or --html, not --json and --html.');
    expect(existsSync(join(scratch.dir, 'pep.html'))).toBe(false);
  });

  it('writes a page that is the same report the terminal shows', async () => {
    const written = await report(['--html', 'same.html']);
    expect(written.code, written.stderr).toBe(0);
    const page = readFileSync(join(scratch.dir, 'same.html'), 'utf8');
    const table = await report([]);
    // "As of 2026-04-30: 7 children; deadlines 4 met, ..." in the terminal, the same counts in the page.
    const [, children] = table.stdout.match(/As of 2026-04-30: (\d+) children/)!;
    expect(page).toContain(`As of 30 Apr 2026: ${children} children.`);
  });
});
