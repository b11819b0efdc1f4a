import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

/** A process and all its descendants (cluster workers), from /proc/<pid>/task/<tid>/children. */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const task of tasks) {
      const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(' ').map(Number));
    }
  }
  return pids;
}

/** CPU time (user + system) a process tree has used so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMs(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + processCpuMs(pid), 0);
}

function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields are counted after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/**
 * Peak resident set size of a process tree in bytes: the sum of each process's VmHWM in
 * /proc/<pid>/status. With cluster workers that overstates the true joint peak, never
 * understates it.
 */
export function peakRssBytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + processPeakRss(pid), 0);
}

/** Resident set size of a process tree now, in bytes: the sum of each process's VmRSS. */
export function rssBytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + processStatusBytes(pid, 'VmRSS'), 0);
}

function processPeakRss(pid: number): number {
  return processStatusBytes(pid, 'VmHWM');
}

function processStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}
