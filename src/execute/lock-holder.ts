// Who holds a lock file and whether that run is alive: the process taking a lock (`LockHost`), the
// text of a lock file read back into a `Holder`, and how long a lock stays alive unwritten.
//
// Whether the holder is alive is asked of this system where its pid means something here: the same
// machine, started once, with the same set of processes in view. Where it does not (a lock from before
// a restart, or from another system of the same name sharing the drive: a cloned machine, a container),
// the lock is alive while it is fresh: its holder rewrites it every few seconds.
import { readFileSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isRunning } from '../pid.js';

/** The process taking the lock, as the lock sees it; tests play several processes in one with it. */
export interface LockHost {
  readonly pid: number;
  readonly machine: string;
  /** Which start of the machine this is, where the system tells ('-' where not). */
  readonly boot: string;
  /** Which set of processes this one sees (containers each have their own), where the system tells ('-' where not). */
  readonly pidSpace: string;
  isRunning(pid: number): boolean;
  /** Awaited before each file operation: tests pause a run there, or stop it for good as a kill would. */
  beforeStep?(step: string): Promise<void>;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/[^0-9a-f-]/gi, '') || '-';
  } catch {
    return '-';
  }
}

function pidSpace(): string {
  try {
    return /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '-';
  } catch {
    return '-';
  }
}

export const THIS_PROCESS: LockHost = { pid: process.pid, machine: encodeURIComponent(hostname()), boot: bootId(), pidSpace: pidSpace(), isRunning };

/**
 * Where a file is written in place (no hard links), it is empty or partly written for a moment. One
 * that is still not whole after this (by the clock of the drive it is on) was left by a run killed
 * while writing it.
 */
export const UNFINISHED_MS = 30_000;
/**
 * A held lock is written again every `refreshMs`, and one whose pid cannot be asked about here is alive
 * until it has not been written for `leaseMs` (by the drive's clock). Tests shorten both.
 */
export const lockTiming = { refreshMs: 5_000, leaseMs: 30_000 };

/** `<pid> <nonce> <machine> <boot> <pid space>`, on one line; earlier versions wrote no pid space. */
const WHOLE = /^(\d+) [0-9a-f]{16} (\S+) (\S+)(?: (\S+))?\n$/;
/** The pid alone, as earlier versions wrote it. */
const PID_ONLY = /^(\d+)$/;

export interface Holder {
  readonly text: string;
  readonly alive: boolean;
  readonly pid?: number;
  /** Set when the holder runs on another machine, where this one cannot tell whether it is alive. */
  readonly elsewhere?: string;
  /** Set when the holder's pid means nothing here, so that it is judged by how fresh its lock is. */
  readonly unseen?: { readonly where: 'container' | 'machine'; readonly machine: string; readonly writtenAgoMs: number };
}

/** What reading a holder needs of the run taking the lock. */
export interface LockReader {
  /** The lock. */
  readonly path: string;
  readonly host: LockHost;
  /** The time by the clock of the drive the lock is on. */
  readonly driveNow: () => number;
}

/** Who holds the file at `path`, read from it; undefined when there is none. */
export async function holderOf(self: LockReader, path: string): Promise<Holder | undefined> {
  await self.host.beforeStep?.(`read ${path.slice(self.path.length) || 'the lock'}`);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const text = await handle.readFile('utf8');
    const opened = handle;
    /** How long ago the file was last written, by the clock of the drive that dated it. */
    const writtenAgoMs = async () => self.driveNow() - (await opened.stat()).mtimeMs;
    const whole = WHOLE.exec(text);
    if (!whole) {
      const young = (await writtenAgoMs()) < UNFINISHED_MS;
      // A pid alone is also how a text being written in place starts: it is read as such only once old.
      const pidOnly = PID_ONLY.exec(text);
      if (pidOnly && !young) return { text, alive: self.host.isRunning(Number(pidOnly[1])), pid: Number(pidOnly[1]) };
      return { text, alive: young };
    }
    const [, pidText, machine, boot, space = '-'] = whole as unknown as [string, string, string, string, string?];
    const pid = Number(pidText);
    // Whether a process elsewhere is alive cannot be told from here.
    if (machine !== self.host.machine) return { text, alive: true, pid, elsewhere: machineName(machine) };
    const known = (a: string, b: string) => a !== '-' && b !== '-';
    const otherStart = known(boot, self.host.boot) && boot !== self.host.boot;
    const otherProcesses = known(space, self.host.pidSpace) && space !== self.host.pidSpace;
    if (otherStart || otherProcesses) {
      // Its pid means nothing here: it is alive while it keeps its lock fresh.
      const ago = await writtenAgoMs();
      if (ago >= lockTiming.leaseMs) return { text, alive: false, pid };
      return { text, alive: true, pid, unseen: { where: otherStart ? 'machine' : 'container', machine: machineName(machine), writtenAgoMs: ago } };
    }
    return { text, alive: self.host.isRunning(pid), pid };
  } finally {
    await handle.close();
  }
}

function machineName(written: string): string {
  try {
    return decodeURIComponent(written);
  } catch {
    return written;
  }
}
