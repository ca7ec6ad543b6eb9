// A retry file imported while the import that wrote it can still be resumed, against the real sandbox:
// with --on-existing create it is refused before anything is sent; with skip, a warning.
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import type { ImportOptions, RunResult } from '../../src/pipeline/options.js';
import { RunLock } from '../../src/execute/run-lock.js';
import { guardRetryImport, unfinishedOriginal } from '../../src/pipeline/retry-guard.js';
import { runImport } from '../../src/pipeline/run-import.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { creatableRows, readCsvObjects, tempDir, writeCsv } from '../helpers/sheets.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(): Promise<Sandbox> {
  sandbox = await startSandbox({ port: 0, seed: 7, latencyMs: 20 });
  return sandbox;
}

function connection(s: Sandbox) {
  return { apiUrl: s.mainUrl, fallbackUrl: s.fallbackUrl, token: s.tokens.staff };
}

const NOBODY = 'nobody@example.com';

const PLATFORM = { apiUrl: 'https://api.example-platform.test', fallbackUrl: 'https://fallback.example-platform.test' };
const SANDBOX = { apiUrl: 'http://127.0.0.1:40123', fallbackUrl: 'http://127.0.0.1:40123', rehearsal: true };
/** As an import decides before connecting: on the platform any journal but a rehearsal's counts; in a rehearsal, only a rehearsal's. */
const onPlatform = (header: { rehearsal?: true }) => header.rehearsal !== true;
const onRehearsal = (header: { rehearsal?: true }) => header.rehearsal === true;
/** A journal's first line, as a run against `server` writing the retry file `retry` begins it. */
const runLine = (server: { apiUrl: string; fallbackUrl: string; rehearsal?: boolean }, retry?: string) => JSON.stringify({ k: 'run', v: 1, ...server, ...(retry && { retry }) }) + '\n';
const rows = creatableRows(41, 10);

/** 40 rows that create a package each, then one whose client is not found (it stays in the retry file). */
function writeSheet(dir: string, name = 'import.csv'): Promise<string> {
  const last = rows[40]!;
  return writeCsv(dir, name, ['Email', 'Package', 'Start', 'Price', 'Note'], [
    ...rows.slice(0, 40).map((r, i) => [r.email, r.packageName, r.validFrom, r.price ?? '', `note ${i + 1}`]),
    [NOBODY, last.packageName, last.validFrom, '', 'note 41'],
  ]);
}

/** An import that Ctrl-C stops once 5 rows are done: its journal and a retry file of its pending rows are left. */
async function interruptedAfterFive(options: ImportOptions): Promise<RunResult> {
  const controller = new AbortController();
  const result = await runImport(
    { ...options, rate: 100, concurrency: 2, signal: controller.signal },
    { progress: (p) => (p.done >= 5 ? controller.abort() : undefined) },
  );
  expect(result.summary.interrupted).toBe(true);
  expect(result.summary.counts.pending).toBeGreaterThan(0);
  return result;
}

async function importLogging(options: ImportOptions): Promise<{ result: RunResult; logs: string[] }> {
  const logs: string[] = [];
  const result = await runImport(options, { log: (line) => logs.push(line) });
  return { result, logs };
}

function expectNoDuplicates(s: Sandbox, created: number): void {
  expect(s.inspect.created()).toHaveLength(created);
  expect(s.inspect.duplicates()).toEqual([]);
}

const REFUSED =
  'import.retry.csv holds rows of an import of import.csv that has not finished and can still be resumed (its journal import.results.csv.journal is there). ' +
  'Run that import again first to finish it, then import the rows it still lists here; ' +
  'importing both could create the same package twice, since --on-existing create does not check for it.';

describe('importing the retry file of an import that can still be resumed', () => {
  it('with --on-existing create is refused before anything is sent; once that import is resumed and finished, its retry file imports', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, ...connection(s), onExisting: 'create' });
    const retry = stopped.files.retry!;
    expect(retry).toBe(join(dir, 'import.retry.csv'));
    const made = s.inspect.created().length;
    const sent = s.inspect.requests().total;
    const files = (await readdir(dir)).sort();

    const refused = runImport({ file: retry, ...connection(s), onExisting: 'create' });
    await expect(refused).rejects.toBeInstanceOf(RunError); // the CLI exits 2 with its message and advice
    await expect(refused).rejects.toMatchObject({ code: 'RETRY_OF_UNFINISHED', message: REFUSED });
    expect(s.inspect.requests().total).toBe(sent);
    expect(s.inspect.created()).toHaveLength(made);
    expect((await readdir(dir)).sort()).toEqual(files);

    // The same command again finishes the stopped import: every row once, and its journal goes.
    const resumed = await runImport({ file, ...connection(s), onExisting: 'create' });
    expect(resumed.summary.counts).toMatchObject({ created: 40, failed: 1, pending: 0 });
    expectNoDuplicates(s, 40);
    expect(await readdir(dir)).not.toContain('import.results.csv.journal');

    // Its retry file now holds the one row to fix; fixed, it imports with --on-existing create.
    expect((await readCsvObjects(retry)).map((r) => r.Email)).toEqual([NOBODY]);
    await writeFile(retry, (await readFile(retry, 'utf8')).replace(NOBODY, rows[40]!.email));
    const fixed = await runImport({ file: retry, ...connection(s), onExisting: 'create' });
    expect(fixed.summary.counts.created).toBe(1);
    expectNoDuplicates(s, 41);
  });

  it('is refused too when the stopped import wrote its results into a folder given with --out', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const out = join(dir, 'reports/');
    const stopped = await interruptedAfterFive({ file, out, ...connection(s), onExisting: 'create' });
    expect(stopped.files.retry).toBe(join(dir, 'reports', 'import.retry.csv'));
    const made = s.inspect.created().length;

    await expect(runImport({ file: stopped.files.retry!, ...connection(s), onExisting: 'create' })).rejects.toMatchObject({
      code: 'RETRY_OF_UNFINISHED',
      message: expect.stringContaining('(its journal import.results.csv.journal is there)'),
    });
    expect(s.inspect.created()).toHaveLength(made);
  });

  it('is refused too when the stopped import named its results file with --out; resumed with that --out, its retry file imports', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const out = join(dir, 'reports', 'march-run.csv');
    const stopped = await interruptedAfterFive({ file, out, ...connection(s), onExisting: 'create' });
    const retry = stopped.files.retry!;
    expect(retry).toBe(join(dir, 'reports', 'import.retry.csv'));
    const made = s.inspect.created().length;

    await expect(runImport({ file: retry, ...connection(s), onExisting: 'create' })).rejects.toMatchObject({
      code: 'RETRY_OF_UNFINISHED',
      message: expect.stringContaining('an import whose results are march-run.csv that has not finished and can still be resumed (its journal march-run.csv.journal is there)'),
    });
    expect(s.inspect.created()).toHaveLength(made);

    const resumed = await runImport({ file, out, ...connection(s), onExisting: 'create' });
    expect(resumed.summary.counts).toMatchObject({ created: 40, failed: 1, pending: 0 });
    await writeFile(retry, (await readFile(retry, 'utf8')).replace(NOBODY, rows[40]!.email));
    expect((await runImport({ file: retry, ...connection(s), onExisting: 'create' })).summary.counts.created).toBe(1);
    expectNoDuplicates(s, 41);
  });

  it('is refused too when the retry file is imported against the same server under another name', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, out: join(dir, 'out', 'first.csv'), ...connection(s), onExisting: 'create' });
    const made = s.inspect.created().length;
    const other = { ...connection(s), apiUrl: s.mainUrl.replace('127.0.0.1', 'localhost'), fallbackUrl: s.fallbackUrl.replace('127.0.0.1', 'localhost') };
    expect(other.fallbackUrl).not.toBe(s.fallbackUrl);
    await expect(runImport({ file: stopped.files.retry!, ...other, onExisting: 'create' })).rejects.toMatchObject({ code: 'RETRY_OF_UNFINISHED' });
    expect(s.inspect.created()).toHaveLength(made);
  });

  it('with the default --on-existing skip is not refused, but warned about; the resume then skips what it created', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, ...connection(s) });
    const pending = stopped.summary.counts.pending;

    const { result, logs } = await importLogging({ file: stopped.files.retry!, ...connection(s) });
    expect(logs).toContainEqual(expect.stringMatching(/^Warning: import\.retry\.csv holds rows of an import of import\.csv that has not finished and can still be resumed/));
    expect(result.summary.counts.created).toBe(pending - 1); // all but the row whose client is not found
    expectNoDuplicates(s, 40);

    const resumed = await runImport({ file, ...connection(s) });
    expect(resumed.summary.counts.created + resumed.summary.counts.skipped).toBe(40);
    expectNoDuplicates(s, 40);
  });

  it('is refused with skip too while the import it came from is running, and that import cannot resume while the retry file is imported', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, ...connection(s) });
    const retry = stopped.files.retry!;
    const sent = s.inspect.requests().total;

    // That import, resumed in another window, holds its journal's lock.
    const running = await RunLock.acquire(join(dir, 'import.results.csv.journal.lock'));
    const refused = runImport({ file: retry, ...connection(s) });
    await expect(refused).rejects.toMatchObject({ code: 'RETRY_OF_UNFINISHED', message: expect.stringContaining('it is running now, and both would send the same rows') });
    expect(s.inspect.requests().total).toBe(sent);
    await running.release();

    // The retry file's import holds that lock in turn, for as long as it runs.
    const made = s.inspect.created().length;
    const holding = await guardRetryImport({ file: retry, ...connection(s) }, join(dir, 'import.retry.results.csv.journal'), onPlatform, () => undefined);
    await expect(runImport({ file, ...connection(s) })).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    expect(s.inspect.created()).toHaveLength(made); // its access check went out, no row
    await holding?.release();
    const resumed = await runImport({ file, ...connection(s) });
    expect(resumed.summary.counts).toMatchObject({ failed: 1, pending: 0 });
    expectNoDuplicates(s, 40);
  });

  it('is refused with skip too when the import it came from ran with --on-existing create: resumed, it would make those rows again', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, ...connection(s), onExisting: 'create' });
    const sent = s.inspect.requests().total;
    await expect(runImport({ file: stopped.files.retry!, ...connection(s) })).rejects.toMatchObject({
      code: 'RETRY_OF_UNFINISHED',
      message: expect.stringContaining('that import ran with --on-existing create, so resumed after this one it would make again the packages made here'),
    });
    expect(s.inspect.requests().total).toBe(sent);
    const resumed = await runImport({ file, ...connection(s), onExisting: 'create' });
    expect(resumed.summary.counts).toMatchObject({ created: 40, failed: 1, pending: 0 });
    expectNoDuplicates(s, 40);
  });

  it('is refused with skip too when the last run of that import, not its first, used --on-existing create', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    await interruptedAfterFive({ file, ...connection(s) });
    const second = await interruptedAfterFive({ file, ...connection(s), onExisting: 'create' });
    const made = s.inspect.created().length;
    await expect(runImport({ file: second.files.retry!, ...connection(s) })).rejects.toMatchObject({ code: 'RETRY_OF_UNFINISHED', message: expect.stringContaining('ran with --on-existing create') });
    expect(s.inspect.created()).toHaveLength(made);
  });

  it('is refused with skip too while that import has creates whose outcome never came back, and when --out names its results', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, ...connection(s) });
    const retry = stopped.files.retry!;
    await expect(runImport({ file: retry, ...connection(s), out: stopped.files.results })).rejects.toMatchObject({
      code: 'RETRY_OF_UNFINISHED',
      message: expect.stringContaining('--out names its own results, and this import needs results of its own'),
    });
    // As a run killed while a create was out leaves it: an intent with no answer.
    await appendFile(join(dir, 'import.results.csv.journal'), JSON.stringify({ k: 'intent', key: 'a row', before: [], attempt: 1, at: Date.now() }) + '\n');
    const made = s.inspect.created().length;
    await expect(runImport({ file: retry, ...connection(s) })).rejects.toMatchObject({
      code: 'RETRY_OF_UNFINISHED',
      message: expect.stringContaining('it sent creates whose outcome never came back, which the platform may still make'),
    });
    expect(s.inspect.created()).toHaveLength(made);
  });

  it('an import whose retry file was imported and did not finish is refused until that import is finished; then it finds what it made', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const stopped = await interruptedAfterFive({ file, ...connection(s) });
    const retry = stopped.files.retry!;
    await interruptedAfterFive({ file: retry, ...connection(s) });
    const made = s.inspect.created().length;

    await expect(runImport({ file, ...connection(s) })).rejects.toMatchObject({
      code: 'RETRY_IMPORT_UNFINISHED',
      message: `This import's retry file import.retry.csv was imported, and that import has not finished (its journal ${join(dir, 'import.retry.results.csv.journal')} is there): it may have sent creates of the same rows whose outcome is not known yet.`,
    });
    expect(s.inspect.created()).toHaveLength(made);
    expect((await runImport({ file: retry, ...connection(s) })).summary.counts.pending).toBe(0);
    const resumed = await runImport({ file, ...connection(s) });
    expect(resumed.summary.counts).toMatchObject({ pending: 0, failed: 1 });
    expectNoDuplicates(s, 40);
  });

  it("a retry file's own import resumes after Ctrl-C with --on-existing create, the import it came from finished", async () => {
    const s = await start();
    const dir = await tempDir();
    // The sheet it came from is there, its journal gone (that import finished).
    await writeSheet(dir);
    const retry = await writeSheet(dir, 'import.retry.csv');
    await interruptedAfterFive({ file: retry, ...connection(s), onExisting: 'create' });
    expect(await readdir(dir)).toContain('import.retry.results.csv.journal');

    const { result, logs } = await importLogging({ file: retry, ...connection(s), onExisting: 'create' });
    expect(logs.some((line) => line.startsWith('Resuming from'))).toBe(true);
    expect(logs.some((line) => line.startsWith('Warning:'))).toBe(false);
    expect(result.summary.counts).toMatchObject({ created: 40, failed: 1, pending: 0 });
    expectNoDuplicates(s, 40);
  });

  it('finds the journal of an XLSX sheet beside its retry file, begun by an earlier version, and none for a file that only looks like one', async () => {
    const dir = await tempDir();
    for (const name of ['legacy.xlsx', 'legacy.retry.xlsx', 'other.retry.csv', 'other.results.csv.journal', 'notes.csv']) await writeFile(join(dir, name), '');
    await writeFile(join(dir, 'legacy.results.xlsx.journal'), runLine(PLATFORM)); // no retry file named
    expect(await unfinishedOriginal(join(dir, 'legacy.retry.xlsx'), onPlatform)).toEqual({
      results: join(dir, 'legacy.results.xlsx'),
      journal: join(dir, 'legacy.results.xlsx.journal'),
      header: { k: 'run', v: 1, ...PLATFORM },
      sheet: join(dir, 'legacy.xlsx'),
    });
    expect(await unfinishedOriginal(join(dir, 'legacy.retry.xlsx'), onRehearsal)).toBeUndefined(); // another server's
    expect(await unfinishedOriginal(join(dir, 'other.retry.csv'), onPlatform)).toBeUndefined(); // cut short before its first line: nothing was sent
    expect(await unfinishedOriginal(join(dir, 'notes.csv'), onPlatform)).toBeUndefined();
    expect(await unfinishedOriginal(join(dir, 'legacy.xlsx'), onPlatform)).toBeUndefined();
  });

  it("finds a journal under another name by the retry file and the server its first line names, and passes over folders and pipes", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'monday.csv.journal'), runLine(PLATFORM, 'members.retry.csv') + '{"k":"intent"}\n');
    await writeFile(join(dir, 'rehearsal.csv.journal'), runLine(SANDBOX, 'staff.retry.csv'));
    await writeFile(join(dir, 'tuesday.csv.journal'), runLine(PLATFORM, 'others.retry.csv'));
    await mkdir(join(dir, 'backup.journal'));
    execFileSync('mkfifo', [join(dir, 'pipe.journal')]);
    expect(await unfinishedOriginal(join(dir, 'members.retry.csv'), onPlatform)).toEqual({
      results: join(dir, 'monday.csv'),
      journal: join(dir, 'monday.csv.journal'),
      header: { k: 'run', v: 1, ...PLATFORM, retry: 'members.retry.csv' },
    });
    expect(await unfinishedOriginal(join(dir, 'members.retry.csv'), onRehearsal)).toBeUndefined();
    // A rehearsal's journal holds nothing of the platform's: importing on the platform is not held up by it.
    expect(await unfinishedOriginal(join(dir, 'staff.retry.csv'), onPlatform)).toBeUndefined();
    expect(await unfinishedOriginal(join(dir, 'staff.retry.csv'), onRehearsal)).toEqual({
      results: join(dir, 'rehearsal.csv'),
      journal: join(dir, 'rehearsal.csv.journal'),
      header: { k: 'run', v: 1, ...SANDBOX, retry: 'staff.retry.csv' },
    });
    expect(await unfinishedOriginal(join(dir, 'visitors.retry.csv'), onPlatform)).toBeUndefined();
  });

  it("imports on the platform a retry file whose name a rehearsal's unfinished journal also gives", async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    // A canary rehearsal on the embedded sandbox keeps its journal; the real import then finishes.
    await runImport({ file, sandbox: true, limit: 5, out: join(dir, 'out', 'rehearsal.csv') });
    const real = await runImport({ file, out: join(dir, 'out', 'real.csv'), ...connection(s) });
    expect(real.summary.counts).toMatchObject({ created: 40, failed: 1 });
    const retry = real.files.retry!;
    await writeFile(retry, (await readFile(retry, 'utf8')).replace(NOBODY, rows[40]!.email));
    const { result, logs } = await importLogging({ file: retry, ...connection(s), onExisting: 'create' });
    expect(logs.some((line) => line.startsWith('Warning:'))).toBe(false);
    expect(result.summary.counts.created).toBe(1);
    expectNoDuplicates(s, 41);
  });
});

describe('importing the results file of an import', () => {
  it('with --on-existing create is refused before any row is sent, dry run or not; with skip, warned about, and every created row is skipped', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writeSheet(dir);
    const first = await runImport({ file, ...connection(s), onExisting: 'create' });
    expect(first.summary.counts).toMatchObject({ created: 40, failed: 1 });
    const results = first.files.results;
    const files = (await readdir(dir)).sort();

    for (const dryRun of [false, true]) {
      const refused = runImport({ file: results, ...connection(s), onExisting: 'create', dryRun });
      await expect(refused).rejects.toMatchObject({
        code: 'RESULTS_AS_INPUT',
        message:
          'import.results.csv looks like the results of an earlier run (it has the columns status and client_package_id): ' +
          'imported with --on-existing create, any of its rows already created would be created a second time.',
      });
    }
    expectNoDuplicates(s, 40);
    expect((await readdir(dir)).sort()).toEqual(files);

    const { result, logs } = await importLogging({ file: results, ...connection(s) });
    expect(logs).toContainEqual(expect.stringMatching(/^Warning: import\.results\.csv looks like the results of an earlier run/));
    expect(result.summary.counts).toMatchObject({ created: 0, skipped: 40, failed: 1 });
    expectNoDuplicates(s, 40);
  });

  it('is known by its columns when Excel moved, removed or added some, or left empty ones at the end', async () => {
    const s = await start();
    const dir = await tempDir();
    const first = await runImport({ file: await writeSheet(dir), ...connection(s), onExisting: 'create' });
    const [head, ...body] = await readCsvObjects(first.files.results).then((records) => [Object.keys(records[0]!), ...records.map((r) => Object.values(r))]);
    // status first, attempts and source_row gone, a notes column and two empty ones at the end.
    const keep = head!.map((_, i) => i).filter((i) => !['attempts', 'source_row'].includes(head![i]!));
    const order = [keep.find((i) => head![i] === 'status')!, ...keep.filter((i) => head![i] !== 'status')];
    const edited = await writeCsv(dir, 'edited.csv', [...order.map((i) => head![i]!), 'notes', '', ''], body.map((cells) => [...order.map((i) => String(cells[i] ?? '')), 'checked', '', '']));
    await expect(runImport({ file: edited, ...connection(s), onExisting: 'create' })).rejects.toMatchObject({ code: 'RESULTS_AS_INPUT' });
    expectNoDuplicates(s, 40);
  });
});
