// Runs of the import that collide on one sheet's lock, played in this process: each has a pid of its
// own and may be killed before any of its steps (it then stops there for good, and its files stay, as
// after a kill -9). Test files that use it pause every file operation (./pausing-fs.ts), so the runs'
// operations interleave.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { RunLock, UNFINISHED_MS, type LockHost } from '../../../src/execute/run-lock.js';
import { pauses } from './pausing-fs.js';

export const MACHINE = encodeURIComponent(hostname());
export const BOOT = '0f3c8a52-6d1e-4b7a-9c2d-5e8f1a2b3c4d';
export const PID_SPACE = '4026531836';

/** A lock as a run of the tool writes it (without `pidSpace`, as earlier versions did). */
export const lockText = (pid: number, machine = MACHINE, boot = '-', pidSpace?: string): string =>
  `${pid} ${randomBytes(8).toString('hex')} ${machine} ${boot}${pidSpace === undefined ? '' : ` ${pidSpace}`}\n`;

/** A lock file written long enough ago that, were it unfinished, it would be a killed run's. */
export async function writeOld(path: string, text: string): Promise<void> {
  await writeFile(path, text);
  const past = (Date.now() - UNFINISHED_MS - 60_000) / 1000;
  await utimes(path, past, past);
}

export async function lockPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'cp-lock-')), 'sheet.results.csv.journal.lock');
}

/** A small seeded generator: a failing round is replayed by its seed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Machine {
  readonly alive = new Set<number>();
  holders = 0;
  mostHolders = 0;
  private nextPid = 20_000;

  constructor(private readonly random: () => number) {}

  /** A run that holds the lock for a moment once it has it. Its outcome: 'held', `CODE: message`, or 'killed'. */
  run(path: string, killBeforeStep?: number, machine = MACHINE): Promise<string> {
    const pid = this.nextPid++;
    this.alive.add(pid);
    let steps = 0;
    let killed!: () => void;
    const gone = new Promise<string>((resolve) => (killed = () => resolve('killed')));
    const host: LockHost = {
      pid,
      machine,
      boot: BOOT,
      pidSpace: PID_SPACE,
      isRunning: (p) => this.alive.has(p),
      beforeStep: async () => {
        if (steps++ === killBeforeStep) {
          this.alive.delete(pid);
          killed();
          await new Promise(() => undefined);
        }
      },
    };
    const holding = RunLock.acquire(path, host).then(
      async (lock) => {
        this.holders++;
        this.mostHolders = Math.max(this.mostHolders, this.holders);
        await new Promise((resolve) => setTimeout(resolve, this.random() * 3));
        this.holders--;
        await lock.release();
        return 'held';
      },
      (error: { code?: string; message?: string }) => `${error.code ?? 'error'}: ${error.message}`,
    );
    return Promise.race([holding, gone]);
  }
}

/**
 * Rounds of five runs that find a killed run's lock (whole, or empty) at once (often with a run killed while taking it
 * over, too), some of them killed part way. Never two hold the lock; the others are refused as
 * `refusal` says; and whatever the killed runs left, the next run takes the lock and clears it away.
 */
export async function collideRounds(rounds: number, refusal: RegExp): Promise<void> {
  for (let seed = 1; seed <= rounds; seed++) {
    const random = seeded(seed);
    pauses.random = random;
    const machine = new Machine(random);
    const path = await lockPath();
    // Left long ago: an empty lock (cut short by a kill while it was written in place) counts as dead too,
    // and so does one of a run in another container, judged by how long ago it was written.
    const killedRun = random() < 0.5 ? lockText(19_999) : lockText(19_999, MACHINE, BOOT, '4026532999');
    await writeOld(path, random() < 0.3 ? '' : killedRun);
    // Often one of them is killed while taking the lock over. Its steps: take the lock, read it, claim
    // the takeover, then (3, 4) read it again under the claim, (5) remove it, (6) drop the claim.
    const killSteps = Array.from({ length: 5 }, (_, i) =>
      i === 0 && random() < 0.5 ? 3 + Math.floor(random() * 4) : random() < 0.4 ? Math.floor(random() * 14) : undefined,
    );
    const outcomes = await Promise.all(killSteps.map((step) => machine.run(path, step)));

    const context = `seed ${seed}: ${outcomes.join(', ')}`;
    expect(machine.mostHolders, context).toBeLessThanOrEqual(1);
    for (const outcome of outcomes) if (!['held', 'killed'].includes(outcome)) expect(outcome, context).toMatch(refusal);
    if (outcomes.some((o) => o !== 'killed')) expect(outcomes, context).toContain('held');

    expect(await machine.run(path), context).toBe('held');
    expect(await readdir(dirname(path)), context).toEqual([]);
    await rm(dirname(path), { recursive: true });
  }
}

/** One run of its own (on `machine`), killed before its `killBeforeStep`-th file operation if given. */
export function collidingRun(path: string, killBeforeStep?: number, machine = MACHINE): Promise<string> {
  return new Machine(Math.random).run(path, killBeforeStep, machine);
}

/**
 * A run whose file operations go one at a time, when the test says: two of them are interleaved in an
 * exact order, one too rare for the random rounds to be sure to meet.
 */
export class SteppedRun {
  /** The steps taken so far. */
  readonly taken: string[] = [];
  /** 'held' (the lock is then kept until `release`), or the refusal's `CODE: message`. */
  readonly outcome: Promise<string>;
  private next?: { step: string; go: () => void };
  private arrived?: () => void;
  private free = false;

  constructor(path: string, pid: number, isRunning: (pid: number) => boolean) {
    const host: LockHost = {
      pid,
      machine: MACHINE,
      boot: BOOT,
      pidSpace: PID_SPACE,
      isRunning,
      beforeStep: (step) => this.arrive(step),
    };
    this.outcome = RunLock.acquire(path, host).then(
      (lock) => {
        this.lock = lock;
        return 'held';
      },
      (error: { code?: string; message?: string }) => `${error.code ?? 'error'}: ${error.message}`,
    );
  }

  private lock?: RunLock;

  async release(): Promise<void> {
    await this.lock?.release();
  }

  /** Takes steps until the next one is one `stopAt` picks (not taken), given the steps taken before it. */
  async until(stopAt: (step: string, taken: readonly string[]) => boolean): Promise<void> {
    for (;;) {
      const next = this.next ?? (await new Promise<SteppedRun['next']>((resolve) => (this.arrived = () => resolve(this.next))));
      if (!next) throw new Error(`the run ended before the step looked for: ${this.taken.join(', ')}`);
      if (stopAt(next.step, this.taken)) return;
      this.next = undefined;
      next.go();
    }
  }

  /** Lets the run take every step from now on, and waits for how it ends. */
  finish(): Promise<string> {
    this.free = true;
    const next = this.next;
    this.next = undefined;
    next?.go();
    return this.outcome;
  }

  private arrive(step: string): Promise<void> {
    if (this.free) {
      this.taken.push(step);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.next = {
        step,
        go: () => {
          this.taken.push(step);
          resolve();
        },
      };
      this.arrived?.();
      this.arrived = undefined;
    });
  }
}
