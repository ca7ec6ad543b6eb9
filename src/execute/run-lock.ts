// One import of a sheet at a time: two runs of the same command would both see a package missing and
// both create it. The lock file says which process on which machine holds it (and a nonce, so no two
// lock texts are alike); the lock of a run that was killed is taken over by the next run.
//
// This file holds the lock itself (`RunLock`: take, keep fresh, release). Who holds a lock and whether
// it is alive is told in lock-holder.ts, taking over a dead run's lock in lock-takeover.ts, and what a
// run that cannot take the lock says in lock-messages.ts.
import { randomBytes } from 'node:crypto';
import { open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { fileErrorText, RunError } from '../errors.js';
import { holderOf, lockTiming, THIS_PROCESS, type LockHost } from './lock-holder.js';
import { inProgress, stuck } from './lock-messages.js';
import { placed, removeDead, sweep, type Taker } from './lock-takeover.js';

export { lockTiming, UNFINISHED_MS, type LockHost } from './lock-holder.js';

/** Room for waiting out other runs' takeovers, each a few file operations long. */
const MAX_TRIES = 50;
const WAIT_MS = 10;

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
