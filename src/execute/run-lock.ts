// One import of a sheet at a time: two runs of the same command would both see a package missing and
// both create it. The lock file holds the owner's pid, so a lock left by a killed run is taken over.
import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { RunError } from '../errors.js';
import { isRunning } from '../pid.js';

export class RunLock {
  private constructor(readonly path: string) {}

  static async acquire(path: string): Promise<RunLock> {
    // The pid is written first and the file linked into place whole: a lock is never seen empty.
    const mine = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(mine, String(process.pid), { flag: 'wx' });
    try {
      for (let tries = 0; tries < 3; tries++) {
        if (await created(mine, path)) return new RunLock(path);
        const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        // Another run of this process counts too: two runs of one sheet side by side would create twice.
        if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
          throw new RunError('RUN_IN_PROGRESS', `Another import of this sheet is running (process ${owner}).`);
        }
        await rm(path, { force: true });
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

/** Drives without hard links (some shares and USB sticks) get the file written in place instead. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Puts the lock at `path` with the contents of `mine`, unless a lock is there already. */
async function created(mine: string, path: string): Promise<boolean> {
  try {
    await link(mine, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw error;
  }
  try {
    await writeFile(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
