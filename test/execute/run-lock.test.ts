// The lock that keeps two imports of one sheet apart, when runs collide on it.
import { readlinkSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lockTiming, RunLock, type LockHost } from '../../src/execute/run-lock.js';
import { BOOT, collideRounds, collidingRun, lockPath, lockText, MACHINE, PID_SPACE, SteppedRun, writeOld } from './helpers/colliding-runs.js';
import { pauses } from './helpers/pausing-fs.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const { pausingFs } = await import('./helpers/pausing-fs.js');
  return pausingFs(await importOriginal(), { links: true });
});

const RUNNING = /^RUN_IN_PROGRESS: Another import of this sheet is running \(process \d+\); if that process is not one, delete .+ and run again\.$/;

/** A run on this machine whose own pid is 7, where process 4242 is alive and no other. */
const host: LockHost = { pid: 7, machine: MACHINE, boot: BOOT, pidSpace: PID_SPACE, isRunning: (pid) => pid === 4242 || pid === 7 };
const OTHER_BOOT = 'a1b2c3d4-0000-4000-8000-000000000000';
const OTHER_PID_SPACE = '4026532999';

/** A run in another container on this machine: its pids are not this one's. */
const inContainer: LockHost = { pid: 8, machine: MACHINE, boot: BOOT, pidSpace: OTHER_PID_SPACE, isRunning: (pid) => pid === 8 };

/** The refusal of a lock whose pid means nothing here, written `ago` seconds before. */
const fresh = (where: string, path: string, ago: number) =>
  `Another import of this sheet is running ${where}: its lock ${path} was last written ${ago} s ago. A lock not written for 30 s is taken over: if that run is gone, run again in ${30 - ago} s.`;

/** The refusal `acquire` ends with: its message, which says how many seconds ago the lock was written (0, or 1 on a slow machine). */
async function refusal(path: string, taker: LockHost): Promise<string> {
  const error = await RunLock.acquire(path, taker).then(
    () => expect.fail('the lock was taken'),
    (e: { code?: string; message: string }) => e,
  );
  expect(error.code).toBe('RUN_IN_PROGRESS');
  return error.message;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Dates the file at `path` long ago, as though it had not been written for two minutes. */
async function backdate(path: string): Promise<void> {
  const past = (Date.now() - 120_000) / 1000;
  await utimes(path, past, past);
}

async function takenAndReleased(path: string, taker = host): Promise<void> {
  const lock = await RunLock.acquire(path, taker);
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
    await writeOld(path, lockText(4242, MACHINE, OTHER_BOOT, PID_SPACE));
    await takenAndReleased(path);
  });

  it("this process's lock names its machine, its start and its set of processes", async () => {
    const path = await lockPath();
    const lock = await RunLock.acquire(path);
    const [pid, nonce, machine, boot, space] = (await readFile(path, 'utf8')).trimEnd().split(' ');
    await lock.release();
    expect({ pid, machine }).toEqual({ pid: String(process.pid), machine: MACHINE });
    expect(nonce).toMatch(/^[0-9a-f]{16}$/);
    if (process.platform === 'linux') {
      expect(boot).toMatch(/^[0-9a-f-]{36}$/);
      expect(space).toBe(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]);
    } else {
      expect(space).toBe('-');
    }
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

  it("two runs that both found a claim of a killed run dead: the second cannot remove the claim the first has made since", async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4243)); // dead
    const alive = new Set([100, 101, 102]);
    const isRunning = (pid: number) => alive.has(pid);
    const [a, b] = [new SteppedRun(path, 101, isRunning), new SteppedRun(path, 102, isRunning)];
    // Both have looked for files left by killed runs, and found none.
    for (const run of [a, b]) await run.until((step) => step === 'take the lock');
    // A third claims the takeover of the dead lock, and is killed.
    const killed = new SteppedRun(path, 100, isRunning);
    await killed.until((step) => step === 'read again under the claim');
    alive.delete(100);
    // Both find the dead lock claimed, read the claim, and judge it dead.
    const readClaim = (step: string) => step.startsWith('read .takeover-');
    for (const run of [a, b]) await run.until((_, taken) => taken.length > 0 && readClaim(taken.at(-1)!));
    // The first clears the claim, makes its own, reads the dead lock again under it, and is about to remove it.
    await a.until((step, taken) => step === 'remove the dead file' && taken.at(-1) === 'read the lock');
    // The second goes on from what it read before: the claim it found dead is the first run's now.
    expect(await b.finish()).toMatch(/^RUN_IN_PROGRESS: Cannot take the lock .+: process 101 has been taking it over for too long/);
    expect(await a.finish()).toBe('held');
    await a.release();
    await takenAndReleased(path); // and the killed run's file is cleared away
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

describe('RunLock where the holder\'s pid means nothing here', () => {
  const timing = { ...lockTiming };
  afterEach(() => {
    Object.assign(lockTiming, timing);
    vi.useRealTimers();
  });

  it('a fresh lock of another machine of this name (a cloned machine on a shared drive), or from before a restart, is alive whatever its pid is here', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4243, MACHINE, OTHER_BOOT, PID_SPACE)); // no process 4243 here
    const where = `on another machine also named ${decodeURIComponent(MACHINE)} (process 4243 there), or was before this machine restarted`;
    expect([fresh(where, path, 0), fresh(where, path, 1)]).toContain(await refusal(path, host));
    // Earlier versions wrote no pid space and did not keep their lock fresh: judged the same way.
    await writeFile(path, lockText(4243, MACHINE, OTHER_BOOT));
    expect(await refusal(path, host)).toContain(where);
    await writeOld(path, lockText(4243, MACHINE, OTHER_BOOT));
    await takenAndReleased(path);
  });

  it('a lock of another container on this machine (other pids in view) is judged by how fresh it is, not by its pid', async () => {
    const path = await lockPath();
    await writeFile(path, lockText(4243, MACHINE, BOOT, OTHER_PID_SPACE)); // no process 4243 here
    const where = 'in another container on this machine (process 4243 there)';
    expect([fresh(where, path, 0), fresh(where, path, 1)]).toContain(await refusal(path, host));
    await writeOld(path, lockText(4242, MACHINE, BOOT, OTHER_PID_SPACE)); // process 4242 here is not that one
    await takenAndReleased(path);
    // Where the pid space is not told (an earlier version, or a system without one), the pid is asked about.
    await writeOld(path, lockText(4242, MACHINE, BOOT, '-'));
    expect(await refusal(path, host)).toContain('(process 4242)');
  });

  it('a held lock is written again every few seconds, so a run that cannot ask about its pid sees it alive', async () => {
    lockTiming.refreshMs = 20;
    const path = await lockPath();
    const holder = await RunLock.acquire(path, host);
    const text = await readFile(path, 'utf8');
    // Dated long ago: only writing it again makes it fresh.
    await backdate(path);
    for (let waited = 0; Date.now() - (await stat(path)).mtimeMs > 5_000; waited += 10) {
      expect(waited, 'the lock was not written again').toBeLessThan(3_000);
      await sleep(10);
    }
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await refusal(path, inContainer)).toContain('(process 7 there)');
    await holder.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
    await (await RunLock.acquire(path, inContainer)).release();
  });

  it('a run held up until another took its lock over finds out before its next create, and leaves the new lock in place', async () => {
    // Sure without looking for 2 × 200 ms after the last look: room for a slow machine to take and look.
    lockTiming.refreshMs = 200;
    // Nothing writes the lock again while the run is held up (a machine asleep, a process stopped).
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = await lockPath();
    const holder = await RunLock.acquire(path, host);
    expect(holder.held()).toBeUndefined(); // just taken: sure without looking
    await sleep(500);
    // Held up for a while: it looks before saying yes, and writes the lock again.
    await backdate(path);
    await holder.held();
    expect(Date.now() - (await stat(path)).mtimeMs).toBeLessThan(5_000);
    expect(holder.held()).toBeUndefined();

    await sleep(500);
    await backdate(path);
    const taker = await RunLock.acquire(path, inContainer);
    const takersText = await readFile(path, 'utf8');
    await expect(holder.held()).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `This run's lock ${path} was taken by another run while this one was held up, or deleted: this run stops here, before sending another create, and leaves the results and the journal to that run.`,
    });
    // And it stays stopped, without looking again.
    await expect(holder.held()).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    await holder.release();
    expect(await readFile(path, 'utf8')).toBe(takersText);
    await taker.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('a lock deleted under a running run (someone took it for a dead one) stops that run at its next create', async () => {
    lockTiming.refreshMs = 20;
    const path = await lockPath();
    const holder = await RunLock.acquire(path, host);
    await rm(path);
    let check: Promise<void> | undefined;
    for (let waited = 0; (check = holder.held()) === undefined; waited += 10) {
      expect(waited, 'the loss was not noticed').toBeLessThan(3_000);
      await sleep(10);
    }
    await expect(check).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', message: expect.stringContaining('or deleted') });
    // Its next rewrite does not bring the lock back.
    await sleep(60);
    expect(await readdir(join(path, '..'))).toEqual([]);
    await holder.release();
  });

  it('a lock that cannot be written again for half the time another run waits stops the run, and is left for the next run to judge', async () => {
    Object.assign(lockTiming, { refreshMs: 20, leaseMs: 2_000 });
    const path = await lockPath();
    const holder = await RunLock.acquire(path, host);
    // Something in the way of reading it: a folder where the lock was.
    await rm(path);
    await mkdir(path);
    await sleep(60);
    expect(await holder.held()).toBeUndefined(); // not long yet: the lock may still be written in time
    await sleep(1_000);
    await expect(holder.held()).rejects.toMatchObject({
      code: 'JOURNAL_UNWRITABLE',
      message: `Cannot keep the lock ${path} up to date: a folder of that name is in the way.`,
    });
    await holder.release();
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it('a run held up while taking its lock counts it fresh only from before it wrote it, since the lock is dated then', async () => {
    lockTiming.refreshMs = 200; // sure without looking for 400 ms after the last look
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = await lockPath();
    await writeOld(`${path}.4243-deadbeef`, lockText(4243)); // left by a killed run: read, then cleared
    const slowSweep: LockHost = { ...host, beforeStep: (step) => (step.startsWith('read .4243-') ? sleep(500) : Promise.resolve()) };
    const holder = await RunLock.acquire(path, slowSweep);
    const look = holder.held();
    expect(look, 'a lock written 500 ms ago was taken as just confirmed').toBeDefined();
    await look;
    expect(holder.held()).toBeUndefined();
    await holder.release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('a lock whose drive stops answering holds the creates back, then stops the run, which still ends and leaves the lock to the next run', async () => {
    Object.assign(lockTiming, { refreshMs: 20, leaseMs: 2_000 });
    const path = await lockPath();
    const holder = await RunLock.acquire(path, host);
    let answer!: () => void;
    const drive = new Promise<void>((resolve) => (answer = resolve));
    pauses.stall = (call, file) => (call === 'open' && file === path ? drive : undefined);
    try {
      await sleep(60);
      const started = Date.now();
      await expect(holder.held()).rejects.toMatchObject({
        code: 'JOURNAL_UNWRITABLE',
        message: `Cannot keep the lock ${path} up to date: writing it took over 1 s.`,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // Not written for long, the lock may be another run's by now: it is left for the next run to judge.
      await holder.release();
      expect(await readFile(path, 'utf8')).toMatch(/^7 /);
    } finally {
      pauses.stall = undefined;
      answer();
    }
    await takenAndReleased(path, { ...host, pid: 9, isRunning: (pid) => pid === 9 });
  });
});
