// One import of a sheet at a time: two runs of the same command would both see a package missing and
// both create it. The lock file holds the owner's pid, so a lock left by a killed run is taken over.
// A takeover happens under a second lock (`<lock>.break`): the dead run's lock is read again there and
// removed only if it is still the one found dead. So two runs that find the same dead lock at once
// never remove each other's new lock: one of them takes the lock, the other is refused.
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { RunError } from '../errors.js';
import { isRunning } from '../pid.js';

/** Room for waiting out another run's takeover, which takes a few file operations. */
const MAX_TRIES = 50;
const TAKEOVER_WAIT_MS = 10;
/** An empty lock is given this many waits to be written before it counts as left by a killed run. */
const EMPTY_LOCK_TRIES = 5;

export class RunLock {
  private constructor(readonly path: string) {}

  static async acquire(path: string): Promise<RunLock> {
    // The owner's pid, and a nonce so that a new lock is never mistaken for the dead one it replaced.
    const content = `${process.pid} ${randomBytes(8).toString('hex')}`;
    // Written first and linked into place whole: a lock is never seen empty.
    const mine = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(mine, content, { flag: 'wx' });
    try {
      for (let tries = 0; tries < MAX_TRIES; tries++) {
        if (await placed(mine, path, content)) return new RunLock(path);
        const found = await readFile(path, 'utf8').catch(() => undefined);
        if (found === undefined) continue; // released meanwhile
        // Where locks are written in place (no hard links), a new one is empty for a moment.
        if (found === '' && tries < EMPTY_LOCK_TRIES) {
          await delay(TAKEOVER_WAIT_MS);
          continue;
        }
        // Another run of this process counts too: two runs of one sheet side by side would create twice.
        const owner = ownerOf(found);
        if (owner !== undefined && isRunning(owner)) {
          throw new RunError('RUN_IN_PROGRESS', `Another import of this sheet is running (process ${owner}).`);
        }
        await takeOver(path, found, mine, content);
      }
      throw new RunError('RUN_IN_PROGRESS', `Cannot take the lock ${path}.`);
    } finally {
      await rm(mine, { force: true });
    }
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/**
 * Removes the dead run's lock `found` at `path`, under the takeover lock; the caller then tries to take
 * the lock like any run. Under the takeover lock nobody else removes a lock, and a new lock is only
 * ever made where there is none: a lock that still reads `found` is the dead one.
 */
async function takeOver(path: string, found: string, mine: string, content: string): Promise<void> {
  const takeover = `${path}.break`;
  if (!(await placed(mine, takeover, content))) {
    const other = await readFile(takeover, 'utf8').catch(() => undefined);
    if (other === undefined) return;
    const owner = ownerOf(other);
    // A run killed part way through a takeover leaves its takeover lock behind.
    if (owner !== undefined && isRunning(owner)) await delay(TAKEOVER_WAIT_MS);
    else await rm(takeover, { force: true });
    return;
  }
  try {
    if ((await readFile(path, 'utf8').catch(() => undefined)) === found) await rm(path, { force: true });
  } finally {
    await rm(takeover, { force: true });
  }
}

function ownerOf(lock: string): number | undefined {
  const pid = Number(lock.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Drives without hard links (some shares and USB sticks) get the file written in place instead. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Puts a lock at `path` with the contents of `mine` (which are `content`), unless a lock is there already. */
async function placed(mine: string, path: string, content: string): Promise<boolean> {
  try {
    await link(mine, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw error;
  }
  try {
    await writeFile(path, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
