/** CPU profiles (--profile): where the time goes. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { apiDir } from './options.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const path = url.replace(/^file:\/\//, '');
  const inApi = /\/apps\/api\/(src\/.*)$/.exec(path)?.[1];
  if (inApi) return `api ${inApi.replace(/\.ts$/, '')}`;
  if (/\/packages\/schema\//.test(path)) return '@celr/schema';
  return relative(apiDir, path);
}

export function summariseProfile(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const onStackByArea = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfByNode) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    const frame = node.callFrame;
    const where = frame.url ? `${areaOf(frame)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? `  ${where}` : ''}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
    selfByArea.set(areaOf(frame), (selfByArea.get(areaOf(frame)) ?? 0) + micros);
    // Time with each area anywhere on the stack (its own code and what it calls).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n && n.callFrame.functionName !== '(root)') seen.add(areaOf(n.callFrame));
    }
    for (const area of seen) onStackByArea.set(area, (onStackByArea.get(area) ?? 0) + micros);
  }
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
  const ranked = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => `    ${pct(micros)}  ${name}`);
  return [
    `  CPU busy ${(busy / 1e6).toFixed(1)} s in the measured run. Self time by function (top ${top}):`,
    ...ranked(selfByFunction, top),
    '  Self time by package or file:',
    ...ranked(selfByArea, 15),
    '  Time on the stack (the code and everything it calls, synchronously):',
    ...ranked(onStackByArea, 15),
  ].join('\n');
}
