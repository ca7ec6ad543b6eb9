// The lock that keeps two imports of one sheet apart, when runs collide on it.
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLock, UNFINISHED_MS } from '../../src/execute/run-lock.js';
import { collideRounds, lockPath, lockText } from './helpers/colliding-runs.js';

describe('RunLock', () => {
  it("runs that find a killed run's lock at once, some killed part way: never two hold it, and the next run always gets it", async () => {
    await collideRounds(150, /^RUN_IN_PROGRESS: Another import of this sheet is running \(process \d+\)\.$/);
  });

  it('a lock being written in place (no hard links) is waited for; one left unfinished by a kill is taken over', async () => {
    const path = await lockPath();
    await writeFile(path, '');
    await expect(RunLock.acquire(path)).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `Another import of this sheet is starting (its lock ${path} is being written).`,
    });
    const past = (Date.now() - UNFINISHED_MS - 60_000) / 1000;
    await utimes(path, past, past);
    const lock = await RunLock.acquire(path);
    await lock.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('a folder where the lock cannot be made is a run error naming the lock, not a crash', async () => {
    const path = join(await lockPath(), '..', 'gone', 'sheet.results.csv.journal.lock');
    await expect(RunLock.acquire(path)).rejects.toMatchObject({
      name: 'RunError',
      code: 'JOURNAL_UNWRITABLE',
      message: expect.stringContaining(`Cannot take the lock ${path}: ENOENT`),
    });
  });

  it('a lock of a run on another machine (a shared drive) is never taken over: the message says where, and what to delete', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4242, 'ops-laptop-7'));
    await expect(RunLock.acquire(path)).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `Another import of this sheet is running on ops-laptop-7 (process 4242). If it is not, delete ${path} and run again.`,
    });
  });
});
