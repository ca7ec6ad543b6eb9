// The lock that keeps two imports of one sheet apart, when runs collide on it.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RunLock, type LockHost } from '../../src/execute/run-lock.js';
import { BOOT, collideRounds, collidingRun, lockPath, lockText, MACHINE, writeOld } from './helpers/colliding-runs.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const { pausingFs } = await import('./helpers/pausing-fs.js');
  return pausingFs(await importOriginal(), { links: true });
});

const RUNNING = /^RUN_IN_PROGRESS: Another import of this sheet is running \(process \d+\); if that process is not one, delete .+ and run again\.$/;

/** A run on this machine whose own pid is 7, where process 4242 is alive and no other. */
const host: LockHost = { pid: 7, machine: MACHINE, boot: BOOT, isRunning: (pid) => pid === 4242 || pid === 7 };

async function takenAndReleased(path: string): Promise<void> {
  const lock = await RunLock.acquire(path, host);
  await lock.release();
  expect(await readdir(join(path, '..'))).toEqual([]);
}

describe('RunLock', () => {
  it("runs that find a killed run's lock at once, some killed part way: never two hold it, and the next run always gets it", async () => {
    await collideRounds(150, RUNNING);
  });

  it('refuses while the holder runs, and says which file to delete if that process is something else', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4242, MACHINE, BOOT));
    await expect(RunLock.acquire(path, host)).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `Another import of this sheet is running (process 4242); if that process is not one, delete ${path} and run again.`,
    });
  });

  it('takes over a lock from before the machine restarted, even where its pid is in use again', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4242, MACHINE, 'a1b2c3d4-0000-4000-8000-000000000000'));
    await takenAndReleased(path);
  });

  it('reads the pid-only lock of earlier versions: refused while that process runs, taken over once it is gone', async () => {
    const path = await lockPath();
    const old = (text: string) => writeOld(path, text);
    await old('4242');
    await expect(RunLock.acquire(path, host)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', message: expect.stringContaining('(process 4242)') });
    // Just written, a pid alone may be the start of a lock still being written in place.
    await writeFile(path, '4243');
    await expect(RunLock.acquire(path, host)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', message: expect.stringContaining('is being written') });
    await old('4243');
    await takenAndReleased(path);
  });

  it('a lock being written in place (no hard links) is waited for; one left unfinished by a kill is taken over', async () => {
    const path = await lockPath();
    await writeFile(path, '');
    await expect(RunLock.acquire(path, host)).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `Another import of this sheet is starting: its lock ${path} is being written (a lock left unfinished by a stopped run is taken over once 30 s old).`,
    });
    await writeOld(path, '');
    await takenAndReleased(path);
  });

  it('a lock of a run on another machine (a shared drive) is never taken over: the message says where, and what to delete', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4243, 'ops-laptop-7', BOOT));
    await expect(RunLock.acquire(path, host)).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `Another import of this sheet is running (process 4243 on ops-laptop-7); if that process is not one, delete ${path} and run again.`,
    });
  });

  it('a takeover left half done by a run whose pid is now another process\'s: the run gives up naming the file to delete', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4243)); // dead
    expect(await collidingRun(path, 3)).toBe('killed'); // claimed the takeover, and was killed
    const reused = { ...host, isRunning: (pid: number) => pid === 7 || pid >= 20_000 };
    await expect(RunLock.acquire(path, reused)).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: expect.stringMatching(
        /^Cannot take the lock .+: process 2\d{4} has been taking it over for too long \(.+\.lock\.takeover-[0-9a-f]{16}\); if no other import of this sheet is running, delete that file and run again\.$/,
      ),
    });
  });

  it('a folder where the lock cannot be made is a run error naming the lock, not a crash', async () => {
    const path = join(await lockPath(), '..', 'gone', 'sheet.results.csv.journal.lock');
    await expect(RunLock.acquire(path)).rejects.toMatchObject({
      name: 'RunError',
      code: 'JOURNAL_UNWRITABLE',
      message: `Cannot take the lock ${path}: a file or folder on the path is missing.`,
    });
  });
});
