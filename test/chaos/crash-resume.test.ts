// The real CLI, killed with SIGKILL at random moments while faults are injected, started again each
// time until it finishes: every row ends with exactly one package on the server, and the results sheet
// names it. CHAOS_KILLS sets the number of kills (5 here, 50 with `npm run chaos`); CHAOS_SEED replays.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { creatableRows, readCsvObjects, tempDir, writePlannedCsv } from '../helpers/sheets.js';
import { chaosSeed, envInt, expectResultsMatchServer, mulberry32 } from './helpers.js';

const KILLS = envInt('CHAOS_KILLS', 5);
const ROWS = 1000;
const FAULTS = { rate: 120, failRate: 0.05, dropBefore: 0.05, dropAfter: 0.08, lateCommit: 0.03, lateCommitMs: 500 } as const;
// A create the sandbox makes late is made 500 ms after its 504: a second is time enough to settle.
const CLI_ARGS = ['--rate', '400', '--concurrency', '8', '--settle', '1', '--no-progress'];

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const envOf = (s: Sandbox) => ({ PLATFORM_API_URL: s.mainUrl, PLATFORM_FALLBACK_API_URL: s.fallbackUrl, PLATFORM_STAFF_TOKEN: s.tokens.staff });

/** Runs the CLI and kills it when `shouldKill` first says so (polled), or lets it finish. */
function runUntil(args: string[], s: Sandbox, signal: NodeJS.Signals, shouldKill: (elapsedMs: number) => boolean): Promise<CliRun> {
  const started = Date.now();
  let poll: NodeJS.Timeout | undefined;
  return runCli(args, {
    env: envOf(s),
    onSpawn: (child: ChildProcess) => {
      poll = setInterval(() => {
        if (child.exitCode !== null || child.signalCode !== null) return clearInterval(poll);
        if (shouldKill(Date.now() - started)) {
          clearInterval(poll);
          child.kill(signal);
        }
      }, 5);
    },
  }).finally(() => clearInterval(poll));
}

describe('crash and resume (CLI child process)', () => {
  it(
    `survives ${KILLS} SIGKILLs among drops, 500s and 429s, and ends with one package per row`,
    async () => {
      const seed = chaosSeed('crash and resume');
      const random = mulberry32(seed);
      sandbox = await startSandbox({ port: 0, seed, ...FAULTS });
      const s = sandbox;
      const dir = await tempDir('cp-chaos-');
      const planned = creatableRows(ROWS, 250);
      const file = await writePlannedCsv(dir, planned);
      const args = ['import', file, ...CLI_ARGS];

      let kills = 0;
      let last: CliRun | undefined;
      let runs = 0;
      while (runs < KILLS + 20) {
        runs++;
        const killsLeft = KILLS - kills;
        if (killsLeft === 0) {
          last = await runCli(args, { env: envOf(s) });
          if (last.code === 0 || last.code === 1) break;
          throw new Error(`run ${runs} ended with ${last.code ?? last.signal}: ${last.stderr}`);
        }
        // Either a moment in time (start-up, reading, the first requests) or after some more creates,
        // never more than the rows left can give, so every planned kill lands before the run ends.
        const createdAtStart = s.inspect.created().length;
        const left = ROWS - createdAtStart;
        const afterCreates = 1 + Math.floor(random() * Math.max(1, left / (killsLeft + 1)));
        const atMs = random() < 0.3 ? 150 + random() * 600 : Infinity;
        const run = await runUntil(args, s, 'SIGKILL', (elapsed) => elapsed >= atMs || s.inspect.created().length - createdAtStart >= afterCreates);
        if (run.signal === 'SIGKILL') {
          kills++;
          continue;
        }
        last = run;
        if (run.code === 0 || run.code === 1) break;
        throw new Error(`run ${runs} ended with ${run.code ?? run.signal}: ${run.stderr}`);
      }

      expect(kills).toBeGreaterThanOrEqual(KILLS);
      expect(last?.code, last?.stderr).toBe(0);
      expect(last?.stderr ?? '').not.toMatch(/\n\s+at .+:\d+:\d+/);
      const results = await readCsvObjects(join(dir, 'import.results.csv'));
      expectResultsMatchServer(s, planned, results);
      const stats = s.inspect.requests();
      const faults = Object.values(stats.byRoute).reduce(
        (n, byStatus) => n + (byStatus['500'] ?? 0) + (byStatus['504'] ?? 0) + (byStatus['429'] ?? 0) + (byStatus.dropped ?? 0),
        0,
      );
      expect(faults).toBeGreaterThan(0);
      console.log(
        `chaos: ${ROWS} rows, ${runs} runs, ${kills} SIGKILLs survived, ${stats.total} requests, ${faults} faults injected ` +
          `(${JSON.stringify(stats.byRoute)}), duplicates: ${s.inspect.duplicates().length}, seed ${seed}`,
      );
    },
    60_000 + KILLS * 15_000,
  );

  it('stops on SIGINT mid-run with exit 130 and a complete sheet, then resumes to the end', async () => {
    const seed = chaosSeed('SIGINT and resume');
    sandbox = await startSandbox({ port: 0, seed, ...FAULTS });
    const s = sandbox;
    const dir = await tempDir('cp-chaos-int-');
    const planned = creatableRows(ROWS, 250);
    const file = await writePlannedCsv(dir, planned);
    const args = ['import', file, ...CLI_ARGS];

    const interrupted = await runUntil(args, s, 'SIGINT', () => s.inspect.created().length >= 100);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const partial = await readCsvObjects(join(dir, 'import.results.csv'));
    expect(partial).toHaveLength(ROWS);
    expect(partial.map((r) => r.source_row)).toEqual(planned.map((_, i) => String(i + 2)));
    const pending = partial.filter((r) => r.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    expect(partial.every((r) => ['created', 'skipped', 'pending'].includes(r.status!))).toBe(true);
    const retry = await readCsvObjects(join(dir, 'import.retry.csv'));
    expect(retry.length).toBe(pending.length);

    const resumed = await runCli(args, { env: envOf(s) });
    expect(resumed.code, resumed.stderr).toBe(0);
    expectResultsMatchServer(s, planned, await readCsvObjects(join(dir, 'import.results.csv')));
  }, 120_000);
});
