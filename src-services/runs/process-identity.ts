import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * One process, named so that a reused pid is told apart: its pid and when it started, as the OS counts it.
 * `started` is null where this platform gives no start time cheaply (Windows): the pid alone is then trusted.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly started: string | null;
}

/** A pid a lock file may name: kill(0) and kill(-n) would signal process groups, so only positive pids count. */
export function isValidPid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0;
}

function linuxStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (the command) may hold spaces and parentheses: the fields after its last ')' start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has ended: only its exit status waits to be collected (an orphan whose new parent does not reap
  // it stays a zombie), so it holds nothing.
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  const ticksSinceBoot = fields[22 - 3];
  if (!ticksSinceBoot) return null;
  // Ticks since boot repeat after a reboot: the boot id makes the start time unique across boots.
  let boot = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // no boot id (an unusual kernel): the ticks alone still tell a reused pid apart within one boot
  }
  return `${boot}:${ticksSinceBoot}`;
}

function psStartTime(pid: number): string | null {
  try {
    const text = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return text || null;
  } catch {
    return null;
  }
}

/** When process `pid` started, or null when it is not running or this platform cannot say. */
export function processStartTime(pid: number, platform: NodeJS.Platform = process.platform): string | null {
  if (!isValidPid(pid)) return null;
  if (platform === 'linux' || platform === 'android') return linuxStartTime(pid);
  if (platform === 'win32') return null;
  return psStartTime(pid);
}

let self: ProcessIdentity | undefined;

/** This process. */
export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, started: processStartTime(process.pid) };
  return self;
}

export function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.started === b.started;
}

/** Whether the process is still running: its pid exists and, where the OS tells, it started when recorded. */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!isValidPid(identity.pid)) return false;
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user; anything else (ESRCH): no such process.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (identity.started === null) return true;
  const now = processStartTime(identity.pid);
  // On Linux a missing /proc entry means the process just ended; elsewhere `ps` may be unavailable, and a
  // live pid whose start cannot be read is taken as the recorded one rather than breaking its lock.
  if (now === null) return process.platform !== 'linux' && process.platform !== 'android';
  return now === identity.started;
}
