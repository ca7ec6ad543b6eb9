// The built CLI as a user runs it, against the real sandbox started in this process.
import { spawnSync } from 'node:child_process';
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { lockText } from '../execute/helpers/colliding-runs.js';
import { runCli } from '../helpers/cli.js';
import { creatableRows, readCsvObjects, readXlsxObjects, tempDir, writePlannedCsv } from '../helpers/sheets.js';

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 5 });
});
afterAll(async () => {
  await sandbox.close();
});

const env = () => ({
  PLATFORM_API_URL: sandbox.mainUrl,
  PLATFORM_FALLBACK_API_URL: sandbox.fallbackUrl,
  PLATFORM_STAFF_TOKEN: sandbox.tokens.staff,
});

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

describe('client-packages (CLI)', () => {
  it('validates the legacy sample offline and annotates every row', async () => {
    const dir = await tempDir();
    const input = join(dir, 'legacy-memberships.csv');
    await copyFile(join(SAMPLES, 'legacy-memberships.csv'), input);
    const run = await runCli(['validate', input, '--no-progress']);
    expect(run.code).toBe(1);
    const out = await readCsvObjects(join(dir, 'legacy-memberships.results.csv'));
    const sourceLines = (await readFile(input, 'utf8')).trim().split(/\r?\n/).length - 1;
    expect(out).toHaveLength(sourceLines);
    const invalid = out.filter((r) => r.status === 'invalid');
    expect(invalid.some((r) => r.message?.includes('31/02/2025'))).toBe(true);
    expect(out.filter((r) => r.status === 'duplicate')).toHaveLength(1);
    expect(out.filter((r) => r.status === 'valid').length).toBeGreaterThan(200);
    expect(run.stdout).toContain('legacy-memberships.results.csv');
  });

  it('validate takes the import\'s options too, offline, with the same outcome', async () => {
    const dir = await tempDir();
    const input = join(dir, 'legacy-memberships.csv');
    await copyFile(join(SAMPLES, 'legacy-memberships.csv'), input);
    const envFile = join(dir, 'platform.env');
    await writeFile(envFile, 'PLATFORM_API_URL=http://127.0.0.1:9\n');
    const plain = await runCli(['validate', input, '--json', '--out', join(dir, 'plain.csv')]);
    const shared = ['--sandbox', '--rate', '5', '--concurrency', '2', '--retries', '1', '--on-existing', 'create', '--env-file', envFile];
    const withImportOptions = await runCli(['validate', input, '--json', '--out', join(dir, 'shared.csv'), ...shared]);
    expect(withImportOptions.code).toBe(plain.code);
    expect(JSON.parse(withImportOptions.stdout).counts).toEqual(JSON.parse(plain.stdout).counts);
  });

  it('with --json, a run that cannot start prints one error object on stdout, and the sentence on stderr', async () => {
    const dir = await tempDir();
    const missing = await runCli(['validate', join(dir, 'nope.csv'), '--json']);
    expect(missing.code).toBe(2);
    const { error } = JSON.parse(missing.stdout);
    expect(error.code).toMatch(/^[A-Z_]+$/);
    expect(error.message).toContain('nope.csv');
    expect(missing.stderr).toContain(error.message);

    const usage = await runCli(['import', '--no-such-flag', 'x.csv', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { code: 'USAGE', message: "unknown option '--no-such-flag'", advice: expect.stringContaining('--help') } });
  });

  it('--sheet on a CSV file: validate and import exit 2 with a usage error, and write nothing', async () => {
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(2));
    const sentence = '--sheet "Data" picks a sheet of an XLSX workbook; import.csv is a CSV file, which has one. Leave --sheet out to read it.';
    const validate = await runCli(['validate', file, '--sheet', 'Data']);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(`Error: ${sentence}`);
    expectNoStackTrace(validate.stderr);
    const imported = await runCli(['import', file, '--sheet', 'Data', '--json'], { env: env() });
    expect(imported.code).toBe(2);
    expect(JSON.parse(imported.stdout).error).toMatchObject({ code: 'USAGE', message: sentence });
    expect(await readdir(dir)).toEqual(['import.csv']);
  });

  it('reads the XLSX sample with its title row and real date cells', async () => {
    const dir = await tempDir();
    const input = join(dir, 'monthly-renewals.xlsx');
    await copyFile(join(SAMPLES, 'monthly-renewals.xlsx'), input);
    const run = await runCli(['validate', input, '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.counts.valid).toBe(50);
    const rows = await readXlsxObjects(join(dir, 'monthly-renewals.results.xlsx'));
    expect(rows).toHaveLength(50);
    const start = rows[0]!.Start as Date;
    expect(start.toISOString().slice(0, 10)).toBe('2026-12-01');
    expect(String(rows[0]!.message)).toContain('2026-12-01');
  });

  it('exits 2 with one clear sentence for a missing file, a usage error and an unreadable sheet', async () => {
    const dir = await tempDir();
    const missing = await runCli(['validate', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
    expectNoStackTrace(missing.stderr);

    const usage = await runCli(['import']);
    expect(usage.code).toBe(2);

    const encrypted = await runCli(['validate', fileURLToPath(new URL('../../../shared/corpus/xlsx/pass_protected.xlsx', import.meta.url))]);
    expect(encrypted.code).toBe(2);
    expect(encrypted.stderr.toLowerCase()).toContain('password');
    expectNoStackTrace(encrypted.stderr);
  });

  it('imports, prints only JSON with --json, and never shows the token', async () => {
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(5, 5).map((r) => ({ ...r, validFrom: '2028-02-01' })));
    const run = await runCli(['import', file, '--json', '--rate', '100'], { env: env() });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.counts.created).toBe(5);
    expect(summary.files.results).toBe(join(dir, 'import.results.csv'));
    expect(run.stdout + run.stderr).not.toContain(sandbox.tokens.staff);
  });

  it('refuses a directory token with exit 2 and says which token is needed', async () => {
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(1));
    const run = await runCli(['import', file], { env: { ...env(), PLATFORM_STAFF_TOKEN: sandbox.tokens.directory } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/staff token/i);
    expect(run.stdout + run.stderr).not.toContain(sandbox.tokens.directory);
  });

  it('refuses a wrong token with exit 2 and writes no file, whether or not its first rows were read by then', async () => {
    const dir = await tempDir();
    const file = join(dir, 'large.csv');
    // The first rows are read beside the preflight: whichever ends first, a 401 ends the run the same way.
    const lines = Array.from({ length: 20_000 }, (_, i) => `someone${i}@example.com,Gold,2027-01-01`);
    await writeFile(file, `Email,Package,Valid From\n${lines.join('\n')}\n`);
    const run = await runCli(['import', file, '--no-progress'], { env: { ...env(), PLATFORM_STAFF_TOKEN: 'not-a-token' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refused the token \(401/);
    expectNoStackTrace(run.stderr);
    expect(await readdir(dir)).toEqual(['large.csv']);
  });

  it('refuses plain http to another host', async () => {
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(1));
    const run = await runCli(['import', file], { env: { ...env(), PLATFORM_API_URL: 'http://api.example.test' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-insecure-http');
  });

  it('stops on Ctrl-C with exit 130 and resumes to the end without a duplicate', async () => {
    const slow = await startSandbox({ port: 0, latencyMs: 40, seed: 9 });
    try {
      const dir = await tempDir();
      const file = await writePlannedCsv(dir, creatableRows(60, 15));
      const slowEnv = { PLATFORM_API_URL: slow.mainUrl, PLATFORM_STAFF_TOKEN: slow.tokens.staff };
      const first = await runCli(['import', file, '--concurrency', '2', '--rate', '50'], {
        env: slowEnv,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (slow.inspect.created().length >= 5) {
              clearInterval(poll);
              child.kill('SIGINT');
            }
          }, 20);
        },
      });
      expect(first.code).toBe(130);
      const partial = await readCsvObjects(join(dir, 'import.results.csv'));
      expect(partial).toHaveLength(60);
      expect(partial.filter((r) => r.status === 'pending').length).toBeGreaterThan(0);
      expect(partial.every((r) => ['created', 'pending'].includes(r.status!))).toBe(true);

      const second = await runCli(['import', file, '--rate', '100'], { env: slowEnv });
      expect(second.code).toBe(0);
      const final = await readCsvObjects(join(dir, 'import.results.csv'));
      expect(final.every((r) => r.status === 'created')).toBe(true);
      expect(slow.inspect.created()).toHaveLength(60);
      expect(slow.inspect.duplicates()).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('a second Ctrl-C quits at once: it says so, leaves no temp file and the results as they were, and the rerun resumes without a duplicate', async () => {
    const slow = await startSandbox({ port: 0, latencyMs: 400, seed: 13 });
    try {
      const dir = await tempDir();
      const file = await writePlannedCsv(dir, creatableRows(30, 10));
      await writeFile(join(dir, 'import.results.csv'), 'results of an earlier run');
      const slowEnv = { PLATFORM_API_URL: slow.mainUrl, PLATFORM_STAFF_TOKEN: slow.tokens.staff };
      const first = await runCli(['import', file, '--concurrency', '2', '--no-progress'], {
        env: slowEnv,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (slow.inspect.created().length < 2) return;
            clearInterval(poll);
            child.kill('SIGINT');
            // Well before the requests in flight are answered (400 ms).
            setTimeout(() => child.kill('SIGINT'), 50);
          }, 20);
        },
      });
      expect(first.code).toBe(130);
      expect(first.stderr).toContain(
        'Stopped at once: the results file was not written. Run the same command again to resume: the journal keeps every row done.',
      );
      expectNoStackTrace(first.stderr);
      expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(await readFile(join(dir, 'import.results.csv'), 'utf8')).toBe('results of an earlier run');

      // A create in flight at the quit is given --timeout and --settle before it is read back.
      const second = await runCli(['import', file, '--timeout', '2', '--settle', '1', '--no-progress'], { env: slowEnv });
      expect(second.code).toBe(0);
      expect(second.stderr).toContain('Resuming from');
      expect((await readCsvObjects(join(dir, 'import.results.csv'))).map((r) => r.status)).toEqual(Array(30).fill('created'));
      expect(slow.inspect.created()).toHaveLength(30);
      expect(slow.inspect.duplicates()).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('three imports of one sheet started at once after a killed run: one imports it, the others exit 2 and create nothing', async () => {
    const slow = await startSandbox({ port: 0, latencyMs: 40, seed: 11 });
    try {
      const dir = await tempDir();
      // Long enough (~3 s) for the other two to start while the first still runs.
      const file = await writePlannedCsv(dir, creatableRows(90, 15));
      const killed = spawnSync(process.execPath, ['-e', '0']).pid;
      await writeFile(join(dir, 'import.results.csv.journal.lock'), lockText(killed));
      const slowEnv = { PLATFORM_API_URL: slow.mainUrl, PLATFORM_STAFF_TOKEN: slow.tokens.staff };
      const runs = await Promise.all([1, 2, 3].map(() => runCli(['import', file, '--concurrency', '2', '--no-progress'], { env: slowEnv })));
      expect(runs.map((r) => r.code).sort()).toEqual([0, 2, 2]);
      for (const refused of runs.filter((r) => r.code === 2)) {
        expect(refused.stderr).toMatch(/Another import of this sheet is running \(process \d+\)/);
        expectNoStackTrace(refused.stderr);
      }
      expect(slow.inspect.created()).toHaveLength(90);
      expect(slow.inspect.duplicates()).toEqual([]);
      const results = await readCsvObjects(join(dir, 'import.results.csv'));
      expect(results.map((r) => r.status)).toEqual(Array(90).fill('created'));
      // The winner's journal and lock are gone; the refused runs left nothing behind.
      expect((await readdir(dir)).sort()).toEqual([basename(file), 'import.results.csv']);
    } finally {
      await slow.close();
    }
  });

  it('writes templates', async () => {
    const dir = await tempDir();
    const run = await runCli(['template', '--format', 'csv', '--out', join(dir, 't.csv')]);
    expect(run.code).toBe(0);
    const rows = await readCsvObjects(join(dir, 't.csv'));
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['client_email', 'package_name', 'valid_from']));
  });

  it('runs the demo end to end and says where the results are', async () => {
    const dir = await tempDir();
    const run = await runCli(['demo', '--no-progress'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('legacy-memberships.results.csv');
    const files = await readdir(join(dir, 'client-packages-demo'));
    expect(files).toEqual(expect.arrayContaining(['legacy-memberships.results.csv', 'legacy-memberships.retry.csv']));
    const out = await readCsvObjects(join(dir, 'client-packages-demo', 'legacy-memberships.results.csv'));
    expect(out.filter((r) => r.status === 'created').length).toBeGreaterThan(200);
    expect(out.filter((r) => r.status === 'skipped')).toHaveLength(1);
  });
});
