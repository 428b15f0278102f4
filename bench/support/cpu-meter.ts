import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc/stat's counters (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time spent, from a start, by this process and by the whole machine. */
export interface CpuSpent {
  /** This process (the emulator, in the sweep benchmarks), user + system. */
  thisProcessMs: number;
  /** Every process of the machine, busy time summed over the cores (Linux only; NaN elsewhere). */
  machineBusyMs: number;
  /** PostgreSQL's processes: the server and its backends, those that exited meanwhile included (Linux only). */
  postgresMs: number;
}

/** `the machine was busy N% of C cores × the wall time`: how close to saturated the window ran. */
export function machineBusy(spent: CpuSpent, wallMs: number): string {
  const cores = cpus().length;
  return `the machine was busy ${((100 * spent.machineBusyMs) / (wallMs * cores)).toFixed(0)}% of ${cores} cores × the wall time`;
}

/** Busy time of the machine left once the sweeping processes, the emulator and PostgreSQL are counted. */
export function restOfMachineMs(spent: CpuSpent, sweepingCpuMs: number): number {
  return spent.machineBusyMs - sweepingCpuMs - spent.thisProcessMs - spent.postgresMs;
}

/** Starts a meter; call the returned function at the end of the window. */
export function startCpuMeter(): () => CpuSpent {
  const processAtStart = process.cpuUsage();
  const machineAtStart = machineBusyTicks();
  const postgresAtStart = postgresTicks();
  return () => {
    const used = process.cpuUsage(processAtStart);
    const postgresTicksSpent = postgresTicks() - postgresAtStart;
    return {
      thisProcessMs: (used.user + used.system) / 1000,
      machineBusyMs: ((machineBusyTicks() - machineAtStart) * 1000) / TICKS_PER_SECOND,
      postgresMs: (postgresTicksSpent * 1000) / TICKS_PER_SECOND,
    };
  };
}

/**
 * User + system ticks of every process named `postgres`, with those of its children that exited:
 * a backend whose client closed its connection before the meter is read (a sweeping process that
 * finished first) is in the server's count of its reaped children. A backend alive at the start and
 * gone at the end is counted whole there, less its ticks at the start: its time in the window.
 */
function postgresTicks(): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return ticks;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const nameEnd = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, nameEnd) !== 'postgres') continue;
      // Fields after the name: state is field 3, utime 14, stime 15, and the reaped children's
      // cutime 16 and cstime 17 (1-based, over the whole line).
      const fields = stat.slice(nameEnd + 2).split(' ');
      ticks += fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

/** The first line of /proc/stat: every core's ticks by state; busy is all but idle and iowait. */
function machineBusyTicks(): number {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const ticks = fields.map(Number);
    const [idle, iowait] = [ticks[3], ticks[4]];
    return ticks.slice(0, 8).reduce((sum, value) => sum + value, 0) - idle - iowait;
  } catch {
    return Number.NaN;
  }
}
