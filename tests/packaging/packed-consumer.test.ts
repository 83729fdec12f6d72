/**
 * The published packages as a user gets them: `npm pack`ed, installed from the tarballs into an empty
 * project outside the repository, exactly as the SDK README's "Installing before the packages are
 * published" says, then used by a strict NodeNext TypeScript program made of the README's examples,
 * run against the API. Nothing here resolves to the workspace: only what the tarballs carry counts.
 *
 * Also, for every published package: the metadata the registry shows, the files its README links to,
 * source maps that resolve inside the package, and publint and attw (are the types wrong) with no
 * complaint. Needs the packages built (turbo builds them before this workspace's tests).
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../sdk/support/api.js';
import { type Manifest, publishedPackages, REPO_ROOT, rootManifest } from './support/workspace.js';

const require = createRequire(import.meta.url);
const REPOSITORY = 'https://github.com/celr-standard/celr';
const published = publishedPackages();
const sdkReadme = readFileSync(join(REPO_ROOT, 'packages/sdk/README.md'), 'utf8');

/** The README's shell block that packs the tarballs and installs them. */
const installBlock = [...sdkReadme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .map((m) => m[1]!)
  .find((block) => block.includes('npm pack'));
const readmeCommand = (verb: 'pack' | 'install') => {
  const line = installBlock?.split('\n').find((l) => l.startsWith(`npm ${verb} `));
  if (!line) throw new Error(`packages/sdk/README.md has no \`npm ${verb}\` line in its install block`);
  return line.split(/\s+/).slice(2);
};

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}
function mustRun(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
  const result = run(command, args, cwd, env);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.code}:\n${result.output}`);
  return result;
}

/**
 * Every optional member of the packages' public option types, given a value that may be undefined:
 * type-checked, never run.
 */
const OPTIONAL_OPTIONS = `import { type RunConformanceOptions, runConformance } from '@celr/conformance';
import { codesOf, englandLearner, validate } from '@celr/schema';
import {
  type CelrClientOptions,
  createCelrClient,
  etagOf,
  type LearnerInput,
  verifyWebhook,
} from '@celr/sdk';

const env = (name: string): string | undefined => process.env[name];
const number = (name: string): number | undefined => (env(name) ? Number(env(name)) : undefined);

const options: CelrClientOptions = {
  baseUrl: env('CELR_API_URL') ?? 'http://localhost:3000',
  clientId: env('CELR_CLIENT_ID'),
  clientSecret: env('CELR_CLIENT_SECRET'),
  scope: env('CELR_SCOPE'),
  accessToken: env('CELR_ACCESS_TOKEN'),
  onBehalfOf: env('CELR_ON_BEHALF_OF'),
  validate: env('CELR_VALIDATE') ? true : undefined,
  retry: { retries: number('RETRIES'), baseDelayMs: undefined, maxDelayMs: undefined, statuses: undefined },
  onRetry: undefined,
  fetch: undefined,
  headers: undefined,
};
export const celr = createCelrClient(options);
export async function write(id: string) {
  const learner = await celr.get('learner', id, { signal: undefined });
  const stale = env('STALE_ETAG');
  await celr.patch('learner', id, { name: learner.name }, { ifMatch: stale ?? etagOf(learner), signal: undefined });
  const input = JSON.parse(env('LEARNER') ?? '{}') as LearnerInput;
  await celr.create('learner', input, { idempotencyKey: env('KEY'), validate: undefined });
  await celr.replace('learner', id, learner, { ifMatch: stale, validate: undefined, signal: undefined });
  await celr.upsertLearner({ system: 'upn', value: 'A123' }, input, { ifMatch: stale, createOnly: undefined });
  await celr.update('learner', id, (current) => current, { attempts: number('ATTEMPTS'), signal: undefined });
}
export const verify = (body: string, headers: Record<string, string>) =>
  verifyWebhook(body, headers, env('WEBHOOK_SECRET') ?? '', {
    toleranceSeconds: number('TOLERANCE'),
    nowSeconds: undefined,
  });

export const result = validate('learner', englandLearner, { shape: undefined, today: env('TODAY') });
export const codes = codesOf('england-legal-status', { includeRetired: undefined });

const kit: RunConformanceOptions = {
  baseUrl: 'http://127.0.0.1:3000',
  role: 'authority',
  credentials: { clientId: 'a', clientSecret: 'b', onBehalfOf: env('ON_BEHALF_OF') },
  other: undefined,
  peer: undefined,
  receiverHost: env('RECEIVER_HOST'),
  timeoutMs: number('TIMEOUT_MS'),
  waitMs: undefined,
  only: undefined,
  onTest: undefined,
};
export const run = () => runConformance(kit);
`;

/** A program of the consumer's, run as its own process (asynchronous: the API answers from this one). */
function node(file: string, cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [file], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );

interface Packed {
  dir: string;
  manifest: Manifest;
  tarball: string;
  /** The tarball unpacked: the package as the registry would serve it. */
  contents: string;
}

let work: string;
let tarballs: string;
let consumer: string;
const packed = new Map<string, Packed>();
let installOutput = '';
/** The README's examples as the consumer compiled them. */
const compiled = { quickstart: '', errors: '' };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'celr-packed-'));
  tarballs = join(work, 'celr-packages');
  mkdirSync(tarballs);
  const pack = mustRun(
    'npm',
    [
      'pack',
      ...published.flatMap(({ manifest }) => ['-w', manifest.name]),
      '--pack-destination',
      tarballs,
      '--json',
    ],
    REPO_ROOT,
  );
  const results = JSON.parse(pack.stdout) as { name: string; filename: string }[];
  for (const { dir, manifest } of published) {
    const result = results.find((r) => r.name === manifest.name);
    if (!result) throw new Error(`npm pack made no tarball for ${manifest.name}`);
    const contents = join(work, 'unpacked', manifest.name);
    mkdirSync(contents, { recursive: true });
    const tarball = join(tarballs, result.filename);
    mustRun('tar', ['-xzf', tarball, '-C', contents, '--strip-components=1'], work);
    packed.set(manifest.name, { dir, manifest, tarball, contents });
  }
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it('changesets publishes the scoped packages as public, as their publishConfig says', () => {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, '.changeset/config.json'), 'utf8'));
  expect(config.access).toBe('public');
});

describe.each(published.map(({ manifest }) => manifest.name))('%s as packed', (name) => {
  const pkg = () => packed.get(name)!;

  it('says where it comes from, what it is for, and what it needs', () => {
    const { manifest, dir } = pkg();
    expect(manifest.description?.length).toBeGreaterThan(20);
    expect(manifest.keywords?.length).toBeGreaterThan(2);
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toEqual({ type: 'git', url: `git+${REPOSITORY}.git`, directory: dir });
    expect(manifest.homepage).toBe(`${REPOSITORY}/tree/main/${dir}#readme`);
    expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` });
    expect(manifest.engines).toEqual(rootManifest().engines);
    expect(manifest.type).toBe('module');
    // Scoped packages are private on the registry unless published as public.
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    // Ranges the registry can satisfy, not "*" (any version at all, breaking ones included).
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (dep.startsWith('@celr/')) expect(range, dep).toBe(`^${packed.get(dep)?.manifest.version}`);
    }
  });

  it('carries its README, its licence and every file its README links to', () => {
    const { contents } = pkg();
    expect(readFileSync(join(contents, 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'),
    );
    const readme = readFileSync(join(contents, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^(https?:|mailto:|#)/.test(target))
      .map((target) => target.split('#')[0]!);
    const missing = links.filter((target) => {
      const file = resolve(contents, target);
      return relative(contents, file).startsWith('..') || !existsSync(file);
    });
    expect(missing).toEqual([]);
  });

  it('has source maps whose sources are in the package', () => {
    const { contents } = pkg();
    const files = filesUnder(contents);
    const unresolved: string[] = [];
    let maps = 0;
    for (const file of files) {
      if (file.endsWith('.map')) {
        maps++;
        const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourceRoot?: string };
        for (const source of map.sources) {
          const target = resolve(dirname(file), map.sourceRoot ?? '', source);
          if (relative(contents, target).startsWith('..') || !existsSync(target))
            unresolved.push(`${relative(contents, file)} -> ${source}`);
        }
      } else if (/\.(js|d\.ts)$/.test(file)) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))?.[1];
        if (url && !existsSync(resolve(dirname(file), url)))
          unresolved.push(`${relative(contents, file)} -> ${url}`);
      }
    }
    expect(maps).toBeGreaterThan(0);
    expect(unresolved).toEqual([]);
  });

  it('passes publint, strict', () => {
    const publint = join(dirname(require.resolve('publint')), 'cli.js');
    const result = run(
      process.execPath,
      [publint, 'run', '--strict', '--pack', 'false', pkg().tarball],
      work,
    );
    expect(result.output).toContain('All good!');
    expect(result.code, result.output).toBe(0);
  });

  it('passes attw (are the types wrong) as an ESM-only package', () => {
    const attw = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js');
    const result = run(
      process.execPath,
      [attw, pkg().tarball, '--profile', 'esm-only', '--format', 'table-flipped'],
      work,
    );
    expect(result.code, result.output).toBe(0);
  });
});

describe('a project that installs the tarballs as the SDK README says', () => {
  let api: RunningApi;

  beforeAll(async () => {
    consumer = join(work, 'my-project');
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'my-project', private: true, type: 'module' }, null, 2)}\n`,
    );
    // The README's own command, with its ../celr-packages pointing at the tarballs packed above.
    const install = readmeCommand('install').map((arg) =>
      arg.replace(/^\.\.\/celr-packages\//, `${tarballs}/`),
    );
    const offline = ['--prefer-offline', '--no-audit', '--no-fund'];
    installOutput = mustRun('npm', ['install', ...install, ...offline], consumer).output;
    // What the consumer's own build brings: the repository's TypeScript and Node types, and the kit.
    const version = (name: string) => require(`${name}/package.json`).version as string;
    mustRun(
      'npm',
      [
        'install',
        packed.get('@celr/conformance')!.tarball,
        `typescript@${version('typescript')}`,
        `@types/node@${version('@types/node')}`,
        ...offline,
      ],
      consumer,
    );
    api = await startApi();
  }, 300_000);
  afterAll(() => api?.close());

  it('the README packs and installs the packages that npm pack makes, at their versions', () => {
    expect(readmeCommand('pack')).toEqual([
      '-w',
      '@celr/schema',
      '-w',
      '@celr/bridges',
      '-w',
      '@celr/sdk',
      '--pack-destination',
      '../celr-packages',
    ]);
    expect(readmeCommand('install')).toEqual(
      ['@celr/schema', '@celr/bridges', '@celr/sdk'].map(
        (name) => `../celr-packages/${relative(tarballs, packed.get(name)!.tarball)}`,
      ),
    );
  });

  it('installs without an engine warning, from the tarballs, outside the repository', () => {
    expect(installOutput).not.toContain('EBADENGINE');
    expect(relative(REPO_ROOT, consumer).startsWith('..')).toBe(true);
    for (const name of packed.keys()) {
      const installed = join(consumer, 'node_modules', name);
      expect(existsSync(installed), name).toBe(true);
      // A copy of the tarball, not a link back into the workspace.
      expect(readFileSync(join(installed, 'package.json'), 'utf8')).toBe(
        readFileSync(join(packed.get(name)!.contents, 'package.json'), 'utf8'),
      );
    }
  });

  it("type-checks the README's examples as a strict NodeNext program against the packed types", () => {
    const readme = readFileSync(join(consumer, 'node_modules/@celr/sdk/README.md'), 'utf8');
    const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    mkdirSync(join(consumer, 'src'));
    for (const [i, source] of examples.entries()) {
      const file = `example-${i + 1}`;
      writeFileSync(join(consumer, 'src', `${file}.ts`), source);
      if (source.includes('celr.upsertLearner(')) compiled.quickstart = `dist/${file}.js`;
      if (source.includes('isCelrProblem(')) compiled.errors = `dist/${file}.js`;
    }
    // What a consumer with exactOptionalPropertyTypes writes: optional options straight from the
    // environment, which may be undefined. The README's vendor example does so for onBehalfOf.
    writeFileSync(join(consumer, 'src', 'optional-options.ts'), OPTIONAL_OPTIONS);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          verbatimModuleSyntax: true,
          // The packages' own .d.ts files are checked too, with the consumer's settings.
          skipLibCheck: false,
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      }),
    );
    const tsc = run(
      process.execPath,
      [join(consumer, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      consumer,
    );
    expect(tsc.output).toBe('');
    expect(tsc.code).toBe(0);
  }, 240_000);

  it('runs the quickstart against the API', async () => {
    const first = await node(compiled.quickstart, consumer, api.env('northbridge'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^synced [0-9a-f-]{36}, version 1, ETag "v1"$/);
    expect(lines).toContain(`${lines[0]!.split(' ')[1]!.replace(',', '')} Amara Okafor-Lees`);
    expect(lines.at(-1)).toBe('updated to version 2');
  });

  it("runs the errors example: the schema's validation before sending, then a 412", async () => {
    const run = await node(compiled.errors, consumer, api.env('northbridge'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^0 urn:celr:problem:client-validation: /);
    expect(run.stdout).toMatch(/\n412 The record has changed since it was read \(request .+\)\n$/);
  });

  it("serves @celr/schema's JSON Schema files and code lists where its README says", () => {
    const fromConsumer = createRequire(join(consumer, 'package.json'));
    const schemas = JSON.parse(
      readFileSync(fromConsumer.resolve('@celr/schema/json-schema/index.json'), 'utf8'),
    );
    expect(schemas.schemas.length).toBeGreaterThan(10);
    for (const { file } of schemas.schemas as { file: string }[]) {
      // Python and other languages read them from the folder, by path (README).
      expect(existsSync(join(consumer, 'node_modules/@celr/schema/dist/json-schema', file)), file).toBe(true);
      expect(existsSync(fromConsumer.resolve(`@celr/schema/json-schema/${file}`)), file).toBe(true);
    }
    const lists = JSON.parse(
      readFileSync(fromConsumer.resolve('@celr/schema/code-lists/index.json'), 'utf8'),
    );
    expect(JSON.stringify(lists)).toContain('england-legal-status');
  });

  it('has the celr and celr-conformance commands', () => {
    const celr = run('npx', ['--no-install', 'celr', '--help'], consumer, { npm_config_offline: 'true' });
    expect(celr.code, celr.output).toBe(0);
    expect(celr.stdout).toMatch(/^celr: the CELR command-line tool\n/);
    const kit = run('npx', ['--no-install', 'celr-conformance', 'list', '--role', 'authority'], consumer, {
      npm_config_offline: 'true',
    });
    expect(kit.code, kit.output).toBe(0);
    expect(kit.stdout.length).toBeGreaterThan(0);
  });
});
