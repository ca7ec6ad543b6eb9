// One import of a sheet at a time: two runs of the same command would both see a package missing and
// both create it. The lock file holds the owner's pid, so a lock left by a killed run is taken over.
import { open, readFile, rm } from 'node:fs/promises';
import { RunError } from '../errors.js';
import { isRunning } from '../pid.js';

export class RunLock {
  private constructor(readonly path: string) {}

  static async acquire(path: string): Promise<RunLock> {
    for (let tries = 0; tries < 3; tries++) {
      try {
        const file = await open(path, 'wx');
        await file.writeFile(String(process.pid));
        await file.close();
        return new RunLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new RunError('RUN_IN_PROGRESS', `Another import of this sheet is running (process ${owner}).`);
      }
      await rm(path, { force: true });
    }
    throw new RunError('RUN_IN_PROGRESS', `Cannot take the lock ${path}.`);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
