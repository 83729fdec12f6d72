import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time used so far, in ms: the server process, all local PostgreSQL processes, and this process
 * (the load generator). Linux only (/proc); elsewhere the server and PostgreSQL figures are undefined.
 * PostgreSQL's includes the backends that have exited (the postmaster's reaped children), so a
 * connection closed between two snapshots does not take its CPU time with it.
 */
export interface CpuSnapshot {
  server?: number | undefined;
  postgres?: number | undefined;
  client: number;
}
const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();
function cpuOf(pid: number | string, withExitedChildren = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): state is field 3, utime 14, stime 15,
    // and the children waited for: cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const children = withExitedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (Number(fields[11]) + Number(fields[12]) + children) * TICK_MS;
  } catch {
    return undefined;
  }
}
export function cpuSnapshot(serverPid: number): CpuSnapshot {
  let postgres: number | undefined;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm !== 'postgres') continue;
      postgres = (postgres ?? 0) + (cpuOf(pid, true) ?? 0);
    }
  } catch {
    // No /proc.
  }
  const self = process.cpuUsage();
  return { server: cpuOf(serverPid), postgres, client: (self.user + self.system) / 1000 };
}
