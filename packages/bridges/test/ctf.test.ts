import { createReadStream, readFileSync } from 'node:fs';
import { englandLearner, validate } from '@celr/schema';
import { describe, expect, it } from 'vitest';
import { type CtfConversion, convertCtf, formatCtfProblem } from '../src/index.js';

const fixture = (name: string) => new URL(`./fixtures/ctf/${name}`, import.meta.url);
const text = (name: string) => readFileSync(fixture(name), 'utf8');
/** The line of the file the needle is first on, so expectations follow the fixture. */
const lineOf = (name: string, needle: string, from = 0) => {
  const lines = text(name).split('\n');
  const index = lines.findIndex((l, i) => i >= from && l.includes(needle));
  if (index < 0) throw new Error(`${needle} is not in ${name}`);
  return index + 1;
};
const TODAY = '2025-12-31';

// Fictional learners the school can see, as `celr export` writes them: records with their id.
const amara = { ...englandLearner, id: '0b6b2f4e-8d4f-4a55-9c1e-3f2d5a7c9e01', meta: { version: 3 } };
const lily = {
  ...englandLearner,
  id: '0b6b2f4e-8d4f-4a55-9c1e-3f2d5a7c9e02',
  name: { given: 'Lily', family: 'Reeve' },
  dateOfBirth: '2013-11-02',
  identifiers: [{ system: 'upn', value: 'R990123424002' }],
  attendance: [],
  attainment: [],
};
const zoe = {
  ...lily,
  id: '0b6b2f4e-8d4f-4a55-9c1e-3f2d5a7c9e03',
  name: { given: 'Zoe', family: 'Held' },
  dateOfBirth: '2011-04-04',
  identifiers: [{ system: 'upn', value: 'H990456721003' }],
};
const held = [amara, { kind: 'learner', record: lily }, zoe];

const convert = (name: string, learners: unknown[] = held): Promise<CtfConversion> =>
  convertCtf({ name, content: createReadStream(fixture(name)) }, { learners, today: TODAY });

describe('a valid CTF', () => {
  it('updates the matched learner with the school fields only, and lists the other pupil', async () => {
    const result = await convert('eastmere-park.xml');
    expect(result).toMatchObject({ version: '25.0', pupils: 2, problems: [] });
    expect(result.sourceSchool).toEqual({ laestab: '9904001', name: 'Eastmere Park Primary' });
    expect(result.updates).toHaveLength(1);
    const [update] = result.updates;
    expect(update?.line).toBe(lineOf('eastmere-park.xml', '<Pupil>'));
    const { attendance, attainment, additionalNeeds, ...rest } = update!.record;
    const { attendance: a0, attainment: t0, additionalNeeds: n0, ...heldRest } = amara;
    // Everything but the school's fields is the held record, id included, so bulk import replaces it.
    expect(rest).toEqual(heldRest);
    expect(attendance).toEqual([
      ...a0.filter((a) => a.period.start < '2024-09-01'),
      {
        period: { start: '2024-09-01', end: '2025-08-31' },
        possibleSessions: 322,
        attendedSessions: 302,
        authorisedAbsenceSessions: 14,
        unauthorisedAbsenceSessions: 6,
        source: 'Common Transfer File from Eastmere Park Primary, LAESTAB 9904001',
      },
      ...a0.filter((a) => a.period.start >= '2024-09-01'),
    ]);
    expect(attainment).toEqual([
      ...t0,
      { subject: 'Mathematics', measure: 'KS2 TT SCL (CTF)', result: '103', assessedOn: '2025-07-08' },
      { subject: 'Reading', measure: 'KS2 TT SCL (CTF)', result: '106', assessedOn: '2025-07-08' },
    ]);
    // Provision from the CTF, the need ranked first, the held notes (none here) kept.
    expect(additionalNeeds).toEqual({ ...n0, status: 'K', primaryNeed: 'SLCN' });
    const { id: _id, meta: _meta, ...input } = update!.record;
    expect(validate('learner', input, { today: TODAY }).ok).toBe(true);
    expect(result.unmatched).toEqual([
      {
        line: lineOf('eastmere-park.xml', 'N990777000011') - 1,
        upn: 'N990777000011',
        name: 'Jonah Fictional',
        inCare: { inCare: true, careAuthority: '991' },
      },
    ]);
  });

  it('converts the same file a second time to the same update, so a reload changes nothing', async () => {
    const first = await convert('eastmere-park.xml');
    const again = await convert('eastmere-park.xml', [first.updates[0]!.record]);
    expect(again.updates[0]?.record).toEqual(first.updates[0]?.record);
  });

  it('reads the file from a string as well as a stream', async () => {
    const result = await convertCtf(
      { name: 'eastmere-park.xml', content: text('eastmere-park.xml') },
      { learners: held, today: TODAY },
    );
    expect(result.updates).toHaveLength(1);
  });

  it('refuses a pupil whose UPN two held learners have, naming both, and changes neither', async () => {
    // After a transfer the school can see the sender's learner and the receiver's copy.
    const copy = { ...amara, id: '0b6b2f4e-8d4f-4a55-9c1e-3f2d5a7c9e09' };
    const result = await convert('eastmere-park.xml', [amara, copy, lily]);
    expect(result.updates).toEqual([]);
    expect(result.problems.map((p) => [p.line, p.field, p.rule, p.severity])).toEqual([
      [lineOf('eastmere-park.xml', '<Pupil>'), 'UPN', 'ambiguous-upn', 'refused'],
    ]);
    expect(result.problems[0]?.message).toContain(`${amara.id}, ${copy.id}`);
    expect(result.unmatched.map((p) => p.upn)).toEqual(['N990777000011']);
  });

  it('matches nobody when the school holds no learners, and creates nobody', async () => {
    const result = await convert('eastmere-park.xml', []);
    expect(result.updates).toEqual([]);
    expect(result.unmatched.map((p) => p.upn)).toEqual(['C990123424001', 'N990777000011']);
  });
});

describe('a CTF with faulty pupils', () => {
  const file = 'faulty-pupils.xml';
  it('refuses each faulty pupil at its line, and converts the rest', async () => {
    const result = await convert(file);
    expect(result.pupils).toBe(8);
    const refused = result.problems.filter((p) => p.severity === 'refused');
    expect(refused.map((p) => [p.line, p.field, p.rule])).toEqual([
      [lineOf(file, 'B990123424001'), 'UPN', 'upn-check-letter'],
      [lineOf(file, 'Noupn') - 1, 'UPN', 'upn-missing'],
      [lineOf(file, 'L99012342501<'), 'UPN', 'upn-format'],
      [lineOf(file, '2013-02-30'), 'DOB', 'date'],
      [lineOf(file, 'H990456721003') - 1, 'DOB', 'identity-mismatch'],
      [lineOf(file, 'R990123424002', lineOf(file, 'Otherchild')) - 1, 'UPN', 'duplicate-upn'],
    ]);
    expect(formatCtfProblem(refused[0]!)).toBe(
      `${file}:${lineOf(file, 'B990123424001')}: UPN upn-check-letter 'B990123424001' fails the DfE UPN check: the check letter of its last twelve characters is 'C', but it starts with 'B'. Check the whole UPN against the pupil's record: a mistyped digit changes the check letter too.`,
    );
    expect(result.updates.map((u) => u.upn)).toEqual(['R990123424002']);
    expect(result.unmatched.map((p) => p.upn)).toEqual(['A990777000028']);
  });

  it('leaves out a year whose sessions do not add up and a result without a date, and says so', async () => {
    const result = await convert(file);
    const notCarried = result.problems.filter((p) => p.severity === 'not-carried');
    expect(notCarried.map((p) => [p.line, p.rule])).toEqual([
      [lineOf(file, '<Year>2024</Year>'), 'attendance'],
      [lineOf(file, '<Result>99</Result>'), 'no-result'],
    ]);
    expect(notCarried[0]?.message).toContain('more than the 300 possible');
    const record = result.updates[0]!.record;
    expect(record.attendance).toEqual([
      expect.objectContaining({ period: { start: '2023-09-01', end: '2024-08-31' }, attendedSessions: 300 }),
    ]);
    expect(record.attainment).toEqual([]);
  });
});

describe('a file that is not a CTF it can read', () => {
  it('refuses a version it does not know, whole', async () => {
    const result = await convert('unknown-version.xml');
    expect(result.updates).toEqual([]);
    expect(result.pupils).toBe(0);
    expect(result.problems).toEqual([
      expect.objectContaining({
        line: lineOf('unknown-version.xml', 'CTFversion'),
        field: 'Header/CTFversion',
        rule: 'ctf-version',
        severity: 'refused',
      }),
    ]);
    expect(result.problems[0]?.message).toContain("'12.0'");
  });

  it('stops at the fault of XML that is not well-formed, keeping the pupils read before it', async () => {
    const result = await convert('broken.xml');
    expect(result.unmatched.map((p) => p.upn)).toEqual(['N990777000011']);
    expect(result.problems).toEqual([
      expect.objectContaining({ field: 'XML', rule: 'xml', line: lineOf('broken.xml', '</CTFpupilData>') }),
    ]);
    expect(result.problems[0]?.message).toMatch(/^Not well-formed XML at column \d+: /);
  });

  it('refuses a file whose root is not CTfile', async () => {
    const result = await convert('not-a-ctf.xml');
    expect(result.problems).toEqual([
      expect.objectContaining({ line: 2, field: 'Message', rule: 'not-ctf', severity: 'refused' }),
    ]);
  });

  it('refuses text that is not XML at all', async () => {
    const result = await convertCtf(
      { name: 'pupils.csv', content: 'UPN,Surname\nC990123424001,Okafor-Lees\n' },
      { learners: held },
    );
    expect(result.problems).toEqual([
      expect.objectContaining({ field: 'XML', rule: 'xml', severity: 'refused' }),
    ]);
    expect(result.problems[0]?.message).toContain('text data outside of root node');
  });
});

describe('what the CTF says that CELR checks against the learner', () => {
  const oneAmara = (inner: string) =>
    `<CTfile>\n<Header><CTFversion>25.0</CTFversion></Header>\n<CTFpupilData>\n<Pupil>\n<UPN>C990123424001</UPN><DOB>2013-05-14</DOB>\n${inner}\n</Pupil>\n</CTFpupilData>\n</CTfile>\n`;
  const convertText = (xml: string) =>
    convertCtf({ name: 'amara.xml', content: xml }, { learners: [amara], today: TODAY });

  it('refuses a pupil whose update the learner schema refuses, naming the field and rule', async () => {
    const result = await convertText(
      oneAmara('<SENhistory><SEN><SENprovision>X</SENprovision></SEN></SENhistory>'),
    );
    expect(result.updates).toEqual([]);
    expect(result.problems).toEqual([
      expect.objectContaining({
        line: 4,
        field: '/additionalNeeds/status',
        rule: 'code-list',
        severity: 'refused',
      }),
    ]);
  });

  it('notes that the school does not record a looked-after learner as in care, and changes no care status', async () => {
    const result = await convertText(oneAmara('<LookedAfter><InCare>false</InCare></LookedAfter>'));
    expect(result.problems).toEqual([
      expect.objectContaining({ line: 4, rule: 'in-care-differs', severity: 'not-carried' }),
    ]);
    expect(result.updates[0]?.record.careStatus).toEqual(amara.careStatus);
  });
});

describe('what only the responsible authority writes: the ULN and the enrolment', () => {
  const FILE = 'northbridge-academy.xml';
  const { enrolment: _e, ...lilyNotEnrolled } = lily;
  // Zoe already has a ULN and an enrolment at another school, by LAESTAB.
  const zoeElsewhere = {
    ...zoe,
    identifiers: [...zoe.identifiers, { system: 'uln', value: '9900001116' }],
    enrolment: { ...zoe.enrolment, school: { scheme: 'laestab', code: '9904003' } },
  };
  const learners = [lilyNotEnrolled, zoeElsewhere, amara];
  const run = (writer?: 'school' | 'responsible-authority') =>
    convertCtf(
      { name: FILE, content: createReadStream(fixture(FILE)) },
      { learners, today: TODAY, ...(writer ? { writer } : {}) },
    );
  const byUpn = (result: CtfConversion, upn: string) => result.updates.find((u) => u.upn === upn)!.record;
  const rules = (result: CtfConversion) => result.problems.map((p) => [p.line, p.field, p.rule, p.severity]);
  const pupilLine = (upn: string) => lineOf(FILE, upn) - 1;
  const spellLine = (estab: string, entry: string) => {
    const lines = text(FILE).split('\n');
    const at = lines.findIndex((l) => l.includes(`<EntryDate>${entry}</EntryDate>`));
    expect(lines[at - 2]).toContain(`<Estab>${estab}</Estab>`);
    return at - 3;
  };

  it('adds the ULN and, for a learner with none, the enrolment at the school on roll, as the authority', async () => {
    const result = await run('responsible-authority');
    expect(result.updates.map((u) => u.upn)).toEqual(['R990123424002', 'H990456721003', 'C990123424001']);
    const lilyNext = byUpn(result, 'R990123424002');
    expect(lilyNext.identifiers).toEqual([...lily.identifiers, { system: 'uln', value: '9900004565' }]);
    expect(lilyNext.enrolment).toEqual({
      school: { scheme: 'laestab', code: '9904002', name: 'Northbridge Academy' },
      startDate: '2025-09-03',
      setting: 'full-time',
    });
    const { id: _id, meta: _meta, ...input } = lilyNext;
    expect(validate('learner', input, { today: TODAY }).ok).toBe(true);
    // Held values are never replaced: Zoe's ULN and enrolment stay, and the differences are noted.
    expect(byUpn(result, 'H990456721003')).toEqual(zoeElsewhere);
    // A ULN failing its check digit is left out; the pupil still converts.
    expect(byUpn(result, 'C990123424001').identifiers).toEqual(amara.identifiers);
    expect(rules(result)).toEqual([
      [spellLine('4002', '2025-09-03'), 'SchoolHistory/School', 'setting-assumed', 'not-carried'],
      [pupilLine('H990456721003'), 'UniqueLearnerNumber', 'identifier-differs', 'not-carried'],
      [spellLine('4002', '2022-09-05'), 'SchoolHistory/School', 'enrolment-differs', 'not-carried'],
      [pupilLine('C990123424001'), 'UniqueLearnerNumber', 'uln-check-digit', 'not-carried'],
    ]);
    expect(result.problems[1]?.message).toContain('9900001116');
  });

  it('writes neither for a school, and says per pupil what the authority would have to', async () => {
    for (const result of [await run(), await run('school')]) {
      expect(byUpn(result, 'R990123424002')).toEqual(lilyNotEnrolled);
      expect(byUpn(result, 'H990456721003')).toEqual(zoeElsewhere);
      expect(rules(result)).toEqual([
        [pupilLine('R990123424002'), 'UniqueLearnerNumber', 'authority-field', 'not-carried'],
        [spellLine('4002', '2025-09-03'), 'SchoolHistory/School', 'authority-field', 'not-carried'],
        [pupilLine('H990456721003'), 'UniqueLearnerNumber', 'identifier-differs', 'not-carried'],
        [spellLine('4002', '2022-09-05'), 'SchoolHistory/School', 'enrolment-differs', 'not-carried'],
        [pupilLine('C990123424001'), 'UniqueLearnerNumber', 'uln-check-digit', 'not-carried'],
      ]);
    }
  });

  it('says nothing of an enrolment held by URN, which a LAESTAB cannot be compared with', async () => {
    const result = await convertCtf(
      { name: FILE, content: text(FILE) },
      { learners: [zoe], today: TODAY, writer: 'responsible-authority' },
    );
    expect(zoe.enrolment.school.scheme).toBe('urn');
    expect(byUpn(result, 'H990456721003').enrolment).toEqual(zoe.enrolment);
    expect(result.problems.filter((p) => p.field === 'SchoolHistory/School')).toEqual([]);
  });
});
