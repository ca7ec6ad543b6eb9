// Runs of the import that collide on one sheet's lock, played in this process: each has a pid of its
// own, is paused between its file operations, and may be killed before any of them (it then stops
// there for good, and its files stay, as after a kill -9).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RunLock, type LockHost } from '../../../src/execute/run-lock.js';

export const MACHINE = encodeURIComponent(hostname());

/** A lock as a run of the tool writes it. */
export const lockText = (pid: number, machine = MACHINE): string => `${pid} ${randomBytes(8).toString('hex')} ${machine}\n`;

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
  run(path: string, killBeforeStep?: number): Promise<string> {
    const pid = this.nextPid++;
    this.alive.add(pid);
    let steps = 0;
    let killed!: () => void;
    const gone = new Promise<string>((resolve) => (killed = () => resolve('killed')));
    const host: LockHost = {
      pid,
      machine: MACHINE,
      isRunning: (p) => this.alive.has(p),
      beforeStep: async () => {
        if (steps++ === killBeforeStep) {
          this.alive.delete(pid);
          killed();
          await new Promise(() => undefined);
        }
        const r = this.random();
        if (r < 0.3) await new Promise((resolve) => setImmediate(resolve));
        else if (r < 0.4) await new Promise((resolve) => setTimeout(resolve, 1));
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
 * Rounds of four runs that find a killed run's lock at once (often with a run killed while taking it
 * over, too), some of them killed part way. Never two hold the lock; the others are refused as
 * `refusal` says; and whatever the killed runs left, the next run takes the lock and clears it away.
 */
export async function collideRounds(rounds: number, refusal: RegExp): Promise<void> {
  for (let seed = 1; seed <= rounds; seed++) {
    const random = seeded(seed);
    const machine = new Machine(random);
    const path = await lockPath();
    await writeFile(path, lockText(19_999));
    // Killed before reading the lock again under its claim, before removing it, or before dropping the claim.
    if (random() < 0.5) expect(await machine.run(path, 3 + Math.floor(random() * 3))).toBe('killed');
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => machine.run(path, random() < 0.35 ? Math.floor(random() * 10) : undefined)),
    );

    const context = `seed ${seed}: ${outcomes.join(', ')}`;
    expect(machine.mostHolders, context).toBeLessThanOrEqual(1);
    for (const outcome of outcomes) if (!['held', 'killed'].includes(outcome)) expect(outcome, context).toMatch(refusal);
    if (outcomes.some((o) => o !== 'killed')) expect(outcomes, context).toContain('held');

    expect(await machine.run(path), context).toBe('held');
    expect(await readdir(join(path, '..')), context).toEqual([]);
  }
}
