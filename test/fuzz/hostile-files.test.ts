// Hostile files: generated from a fixed seed and a random one (printed on failure; FUZZ_SEED replays it),
// FUZZ_RUNS inputs each. Every input ends in results whose rows are valid, invalid (with a reason) or
// duplicate, or in a RunError (the CLI's exit 2) with one sentence: never another error, an unhandled
// rejection, a hang past PER_INPUT_MS, or memory past MEMORY_BOUND_MB. A sample goes through the CLI.
import { randomInt } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { RunError } from '../../src/errors.js';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { runCli } from '../helpers/cli.js';
import { parse } from 'csv-parse/sync';
import { tempDir } from '../helpers/sheets.js';
import { envInt } from '../chaos/helpers.js';
import { hostileInput, zipBombs, type HostileInput } from './inputs.js';

/** Inputs per seed: two seeds, so 500 a run by default. */
const RUNS = envInt('FUZZ_RUNS', 250);
const CLI_SAMPLE = envInt('FUZZ_CLI_RUNS', 20);
const FIXED_SEED = 20250101;
const RANDOM_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31 - 1);
/** A generous bound per input: a hang, not a slow file. */
const PER_INPUT_MS = 60_000;
/** The zip bombs' size: 0.25 in CI, 1 with `npm run fuzz` (a 40 MB cell, 4 million rows). */
const BOMB_SCALE = Number(process.env.FUZZ_BOMB_SCALE ?? 0.25);
const MEMORY_BOUND_MB = 1024;

const stray: unknown[] = [];
const onStray = (error: unknown) => stray.push(error);
beforeAll(() => {
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
});
afterAll(() => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
});

interface Tried {
  outcome: 'results' | 'run error';
  peakRssMb: number;
}

const tally = { inputs: 0, results: 0, runErrors: 0, peakRssMb: 0, kinds: new Map<string, number>() };

/** A sentence first; only the header search adds lines after it, quoting the rows it looked at. */
function oneSentence(error: RunError): void {
  const [first = '', ...rest] = error.message.split('\n');
  expect(first.trim()).not.toBe('');
  if (error.code !== 'NO_HEADER') expect(rest, error.message).toEqual([]);
  expect(error.message).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

/** The results as objects; a row with more cells than its header keeps the extra ones after source_row. */
async function readResults(path: string): Promise<Array<Record<string, string>>> {
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  // Written with the input's delimiter, which is the one before the header's last column.
  const delimiter = /([,;\t])source_row\r\n/.exec(text)?.[1] ?? ',';
  return parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true, delimiter }) as Array<Record<string, string>>;
}

async function tryInput(input: HostileInput): Promise<Tried> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = validateFile({ file: input.path, out: `${input.path}.results.csv` });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer after ${PER_INPUT_MS} ms`)), PER_INPUT_MS);
    });
    const result = await Promise.race([run, timeout]);
    expect(Date.now() - started, 'a hang').toBeLessThan(PER_INPUT_MS);
    const counts = result.summary.counts;
    expect(counts.valid + counts.invalid + counts.duplicate).toBe(result.summary.rows);
    if (result.summary.rows <= 5000) {
      const out = await readResults(result.files.results);
      expect(out).toHaveLength(result.summary.rows);
      for (const row of out) {
        expect(['valid', 'invalid', 'duplicate']).toContain(row.status);
        if (row.status === 'invalid') expect(row.message, `row ${row.source_row}`).not.toBe('');
      }
    }
    return { outcome: 'results', peakRssMb: peak / 2 ** 20 };
  } catch (error) {
    if (!(error instanceof RunError)) throw error;
    oneSentence(error);
    return { outcome: 'run error', peakRssMb: peak / 2 ** 20 };
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
    await rm(`${input.path}.results.csv`, { force: true });
    await rm(`${input.path}.retry.csv`, { force: true });
  }
}

async function fuzz(seed: number, runs: number): Promise<void> {
  const dir = await tempDir('cp-fuzz-');
  let current: HostileInput | undefined;
  onTestFailed(() => {
    console.error(`fuzz failed with seed ${seed} on ${current?.kind} (${current?.path}): rerun with FUZZ_SEED=${seed}`);
  });
  try {
    for (let i = 0; i < runs; i++) {
      current = await hostileInput(seed, i, dir);
      const tried = await tryInput(current);
      tally.inputs++;
      tally[tried.outcome === 'results' ? 'results' : 'runErrors']++;
      tally.peakRssMb = Math.max(tally.peakRssMb, tried.peakRssMb);
      tally.kinds.set(current.kind, (tally.kinds.get(current.kind) ?? 0) + 1);
      expect(tried.peakRssMb, `memory on ${current.kind}`).toBeLessThan(MEMORY_BOUND_MB);
      expect(stray, `unhandled errors after ${current.kind}`).toEqual([]);
      await rm(current.path, { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('hostile files', () => {
  afterAll(() => {
    console.log(
      `fuzz: ${tally.inputs} inputs (${tally.results} with results, ${tally.runErrors} refused with one sentence), ` +
        `peak RSS ${Math.round(tally.peakRssMb)} MB, kinds ${JSON.stringify(Object.fromEntries(tally.kinds))}, random seed ${RANDOM_SEED}`,
    );
  });

  it(`reads ${RUNS} inputs from the fixed seed`, async () => fuzz(FIXED_SEED, RUNS), 600_000);

  it(`reads ${RUNS} inputs from a random seed`, async () => fuzz(RANDOM_SEED, RUNS), 600_000);

  it.each(zipBombs(BOMB_SCALE).map((b) => [b.kind, b.bytes] as const))('%s', async (kind, bytes) => {
    const dir = await tempDir('cp-bomb-');
    try {
      const path = join(dir, 'bomb.xlsx');
      await writeFile(path, bytes);
      expect((await stat(path)).size).toBeLessThan(1024 * 1024);
      const tried = await tryInput({ kind, path });
      tally.inputs++;
      tally[tried.outcome === 'results' ? 'results' : 'runErrors']++;
      tally.peakRssMb = Math.max(tally.peakRssMb, tried.peakRssMb);
      tally.kinds.set(kind, 1);
      expect(tried.peakRssMb).toBeLessThan(MEMORY_BOUND_MB);
      expect(stray).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it(`answers ${CLI_SAMPLE} of them through the CLI with exit 0, 1 or 2 and no stack trace`, async () => {
    const dir = await tempDir('cp-fuzz-cli-');
    const seed = RANDOM_SEED ^ 0x5bd1e995;
    onTestFailed(() => console.error(`CLI fuzz failed with FUZZ_SEED=${RANDOM_SEED}`));
    try {
      for (let i = 0; i < CLI_SAMPLE; i++) {
        const input = await hostileInput(seed, i, dir);
        const before = await readFile(input.path);
        const run = await runCli(['validate', input.path, '--no-progress']);
        expect([0, 1, 2], `${input.kind}: ${run.stderr}`).toContain(run.code);
        expect(run.stderr, input.kind).not.toMatch(/\n\s+at .+:\d+:\d+/);
        if (run.code === 2) expect(run.stderr.trim(), input.kind).not.toBe('');
        expect((await readFile(input.path)).equals(before), `${input.kind}: the input is unchanged`).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
