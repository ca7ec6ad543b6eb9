// One import of a sheet at a time: two runs of the same command would both see a package missing and
// both create it. The lock file says which process on which machine holds it (and a nonce, so no two
// lock texts are alike); the lock of a run that was killed is taken over by the next run.
//
// Whether the holder is alive is asked of this system where its pid means something here: the same
// machine, started once, with the same set of processes in view. Where it does not (a lock from before
// a restart, or from another system of the same name sharing the drive: a cloned machine, a container),
// the lock is alive while it is fresh: its holder rewrites it every few seconds.
//
// Taking over is where two runs can collide: both find the same dead lock, and one removing it after
// the other has made its own would leave both running. So removing a dead file is claimed first, by
// making a file named after its path and text (`<lock>.takeover-<hash>`). A file is only ever made
// where none is (a hard link, or an exclusive create), so one run alone holds a claim; it reads the
// file again and removes it only if it still holds the dead text. A claim left by a run killed while
// taking over is itself dead, and removed the same way under a claim of its own.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { link, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileErrorText, RunError } from '../errors.js';
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

const THIS_PROCESS: LockHost = { pid: process.pid, machine: encodeURIComponent(hostname()), boot: bootId(), pidSpace: pidSpace(), isRunning };

/** Room for waiting out other runs' takeovers, each a few file operations long. */
const MAX_TRIES = 50;
const WAIT_MS = 10;
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

interface Clocks {
  readonly wall: number;
  readonly steady: number;
}
const clocks = (): Clocks => ({ wall: Date.now(), steady: performance.now() });
/** Time since `then`: the longer of the two clocks, so neither a wall clock set back nor a machine asleep hides it. */
const sinceMs = (then: Clocks): number => Math.max(Date.now() - then.wall, performance.now() - then.steady);

/** Whether `work` ended within `ms` (it goes on regardless). */
async function within(ms: number, work: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `<pid> <nonce> <machine> <boot> <pid space>`, on one line; earlier versions wrote no pid space. */
const WHOLE = /^(\d+) [0-9a-f]{16} (\S+) (\S+)(?: (\S+))?\n$/;
/** The pid alone, as earlier versions wrote it. */
const PID_ONLY = /^(\d+)$/;

interface Holder {
  readonly text: string;
  readonly alive: boolean;
  readonly pid?: number;
  /** Set when the holder runs on another machine, where this one cannot tell whether it is alive. */
  readonly elsewhere?: string;
  /** Set when the holder's pid means nothing here, so that it is judged by how fresh its lock is. */
  readonly unseen?: { readonly where: 'container' | 'machine'; readonly machine: string; readonly writtenAgoMs: number };
}

export class RunLock {
  private refreshing: Promise<void> | undefined;
  /** Another run holds the lock now: this one was held up long enough for it to be taken over, or it was deleted. */
  private lost = false;
  /** Why the last rewrite failed, while it has not worked since. */
  private failure: unknown;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    private readonly text: string,
    /** When the lock was last found this run's (then written again), by the wall clock and by one that stops while the machine sleeps. */
    private confirmed: Clocks,
  ) {
    this.timer = setInterval(() => void this.refresh(), lockTiming.refreshMs);
    this.timer.unref();
  }

  /**
   * Resolves (at once, nearly always) while the lock is surely this run's: awaited before each create
   * is sent. A run held up for long (a machine asleep, a process stopped) looks first, and stops if
   * another run has taken the lock meanwhile or the lock could not be written for too long.
   */
  held(): Promise<void> | undefined {
    if (!this.lost && sinceMs(this.confirmed) < 2 * lockTiming.refreshMs) return undefined;
    return this.confirm();
  }

  /** Looks at the lock now, whenever it was last looked at: for the end of a run, which then leaves its files to another run that took it. */
  async confirm(): Promise<void> {
    const limitMs = lockTiming.leaseMs / 2;
    // A rewrite under way may have looked before the run was held up: one started now decides. One that
    // hangs (a share gone) holds the creates back, and after a while stops the run.
    const looked = await within(limitMs, (async () => {
      await this.refreshing;
      await this.refresh();
    })());
    if (this.lost) {
      throw new RunError(
        'RUN_IN_PROGRESS',
        `This run's lock ${this.path} was taken by another run while this one was held up, or deleted: this run stops here, before sending another create, and leaves the results and the journal to that run.`,
      );
    }
    // Another run takes it over once not written for `leaseMs`: stop well before.
    const since = sinceMs(this.confirmed);
    if (!looked || since >= limitMs) {
      const why = !looked || this.failure === undefined ? `writing it took over ${Math.round(limitMs / 1000)} s` : fileErrorText(this.failure);
      throw new RunError('JOURNAL_UNWRITABLE', `Cannot keep the lock ${this.path} up to date: ${why}.`);
    }
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.rewrite().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * Writes the same text again, once sure it is still this run's, through a handle of its own: the
   * drive dates the write (some shares only on the first write through a handle, or at its close).
   */
  private async rewrite(): Promise<void> {
    if (this.lost) return;
    // Dated from before the look: a run held up after it must look again.
    const looked = clocks();
    let handle: FileHandle | undefined;
    try {
      try {
        handle = await open(this.path, 'r+');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      // Read and written through one handle: a lock put in its place meanwhile is another file.
      if (!handle || (await handle.readFile('utf8')) !== this.text) {
        this.lost = true;
        return;
      }
      await handle.write(this.text, 0, 'utf8');
      // A share may keep the write to itself until then, and the other systems judge it by the server's date.
      await handle.datasync();
      await handle.close();
      handle = undefined;
      this.confirmed = looked;
      this.failure = undefined;
    } catch (error) {
      this.failure = error;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  private async isOurs(): Promise<boolean> {
    try {
      return (await readFile(this.path, 'utf8')) === this.text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  static async acquire(path: string, host: LockHost = THIS_PROCESS): Promise<RunLock> {
    try {
      return await RunLock.take(path, host);
    } catch (error) {
      if (error instanceof RunError) throw error;
      throw new RunError('JOURNAL_UNWRITABLE', `Cannot take the lock ${path}: ${fileErrorText(error)}.`);
    }
  }

  private static async take(path: string, host: LockHost): Promise<RunLock> {
    const text = `${host.pid} ${randomBytes(8).toString('hex')} ${host.machine} ${host.boot} ${host.pidSpace}\n`;
    // Written first and linked into place whole: a lock is never seen part written (given hard links).
    const mine = `${path}.${host.pid}-${randomBytes(4).toString('hex')}`;
    // The lock is dated by this write (a link keeps the date), so its freshness counts from before it.
    const writing = clocks();
    await writeFile(mine, text, { flag: 'wx' });
    try {
      // The drive's clock, which dates the files on it, may differ from this machine's (a share).
      const written = (await stat(mine)).mtimeMs - Date.now();
      const self: Taker = { path, mine, text, host, driveNow: () => Date.now() + written };
      await sweep(self);
      for (let tries = 0; tries < MAX_TRIES; tries++) {
        self.blockedBy = undefined;
        if (await placed(self, path, 'take the lock')) return new RunLock(path, text, writing);
        const holder = await holderOf(self, path);
        if (!holder) continue; // released meanwhile
        // A link whose answer was lost (a network drive) made the lock all the same.
        if (holder.text === text) return new RunLock(path, text, writing);
        if (holder.alive) throw inProgress(path, holder);
        if (!(await removeDead(self, path, holder.text))) await delay(WAIT_MS);
      }
      throw stuck(path, self.blockedBy);
    } finally {
      // A file left here is cleared by the next run; failing now would leave the lock taken.
      await rm(mine, { force: true }).catch(() => undefined);
    }
  }

  /** Removes the lock, unless another run holds it now. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    const limitMs = lockTiming.leaseMs / 2;
    const settled = await within(limitMs, this.refreshing ?? Promise.resolve());
    // Not written for long, it may be another run's by the time it is removed; one that cannot be read
    // may be already. Either is left, and judged by the next run.
    if (this.lost || !settled || sinceMs(this.confirmed) >= limitMs) return;
    if (!(await this.isOurs().catch(() => false))) return;
    // A lock that cannot be removed (its folder made read-only meanwhile) is a dead run's lock to the
    // next run, which takes it over: what ended this run is what its user needs to hear.
    await rm(this.path, { force: true }).catch(() => undefined);
  }
}

interface Taker {
  /** The lock. */
  readonly path: string;
  /** This run's file, linked into place as the lock or a claim. */
  readonly mine: string;
  readonly text: string;
  readonly host: LockHost;
  /** The time by the clock of the drive the lock is on. */
  readonly driveNow: () => number;
  /** The last claim of another run this one waited for. */
  blockedBy?: { readonly path: string; readonly holder: Holder };
}

function holderWords(holder: Holder): string {
  return `process ${holder.pid}${holder.elsewhere === undefined ? '' : ` on ${holder.elsewhere}`}`;
}

function inProgress(path: string, holder: Holder): RunError {
  if (holder.unseen) {
    const ago = Math.max(0, Math.floor(holder.unseen.writtenAgoMs / 1000));
    const wait = Math.max(1, Math.ceil((lockTiming.leaseMs - holder.unseen.writtenAgoMs) / 1000));
    const where =
      holder.unseen.where === 'container'
        ? `in another container on this machine (process ${holder.pid} there)`
        : `on another machine also named ${holder.unseen.machine} (process ${holder.pid} there), or was before this machine restarted`;
    return new RunError(
      'RUN_IN_PROGRESS',
      `Another import of this sheet is running ${where}: its lock ${path} was last written ${ago} s ago. A lock not written for ${lockTiming.leaseMs / 1000} s is taken over: if that run is gone, run again in ${wait} s.`,
    );
  }
  if (holder.pid === undefined) {
    return new RunError(
      'RUN_IN_PROGRESS',
      `Another import of this sheet is starting: its lock ${path} is being written (a lock left unfinished by a stopped run is taken over once ${UNFINISHED_MS / 1000} s old).`,
    );
  }
  return new RunError(
    'RUN_IN_PROGRESS',
    `Another import of this sheet is running (${holderWords(holder)}); if that process is not one, delete ${path} and run again.`,
  );
}

function stuck(path: string, blockedBy: Taker['blockedBy']): RunError {
  if (!blockedBy) return new RunError('RUN_IN_PROGRESS', `Cannot take the lock ${path}: other runs of this sheet kept taking it.`);
  const who = blockedBy.holder.pid === undefined ? 'a run' : holderWords(blockedBy.holder);
  return new RunError(
    'RUN_IN_PROGRESS',
    `Cannot take the lock ${path}: ${who} has been taking it over for too long (${blockedBy.path}); if no other import of this sheet is running, delete that file and run again.`,
  );
}

/**
 * Removes the file at `path` if it still holds `deadText`, under the claim for it. False when another
 * run holds that claim (and is alive): the caller waits and looks again.
 */
async function removeDead(self: Taker, path: string, deadText: string, depth = 0): Promise<boolean> {
  const claim = claimOf(self.path, path, deadText);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!(await placed(self, claim, 'claim a takeover'))) {
      const other = await holderOf(self, claim);
      if (!other) continue; // dropped meanwhile
      if (other.text !== self.text) {
        if (other.alive || depth >= 3) {
          self.blockedBy = { path: claim, holder: other };
          return false;
        }
        // A run killed while taking over left its claim: that claim is removed first, under its own.
        await removeDead(self, claim, other.text, depth + 1);
        continue;
      }
    }
    try {
      await self.host.beforeStep?.('read again under the claim');
      // Still the same text, and still dead: a file being written in place reads the same as a dead
      // one cut short, but is new.
      const now = await holderOf(self, path);
      if (now && now.text === deadText && !now.alive) {
        await self.host.beforeStep?.('remove the dead file');
        await rm(path, { force: true });
      }
    } finally {
      await self.host.beforeStep?.('drop the claim');
      await rm(claim, { force: true });
    }
    return true;
  }
  return false;
}

function claimOf(lock: string, path: string, text: string): string {
  return `${lock}.takeover-${createHash('sha256').update(`${path}\0${text}`).digest('hex').slice(0, 16)}`;
}

/** Files left beside the lock by runs killed part way: their own files, and their claims. */
async function sweep(self: Taker): Promise<void> {
  const prefix = `${basename(self.path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(self.path));
  } catch {
    return; // nothing depends on it: the lock itself is taken below, or its failure reported
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const file = join(dirname(self.path), name);
    const ownFile = /^\d+-[0-9a-f]{8}$/.test(rest);
    if (file === self.mine || !(ownFile || /^takeover-[0-9a-f]{16}$/.test(rest))) continue;
    const holder = await holderOf(self, file).catch(() => undefined);
    if (!holder || holder.alive) continue;
    // A run's own file is never used under its own name: it can simply go.
    if (ownFile) await rm(file, { force: true }).catch(() => undefined);
    else await removeDead(self, file, holder.text).catch(() => undefined);
  }
}

/** Who holds the file at `path`, read from it; undefined when there is none. */
async function holderOf(self: Taker, path: string): Promise<Holder | undefined> {
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

/** Drives without hard links (some shares and USB sticks) get the file written in place instead. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Makes `path` hold this run's text, unless a file is there already. */
async function placed(self: Taker, path: string, step: string): Promise<boolean> {
  await self.host.beforeStep?.(step);
  try {
    await link(self.mine, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw error;
  }
  try {
    await writeFile(path, self.text, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
