// The journal of an unfinished import, found again when the same sheet file is imported with other
// results (moved, renamed, another --out); a copy of the sheet imported at the same time; and what a
// run that went through the whole sheet says of rows an earlier run noted that the sheet no longer
// has. Against the real sandbox.
import { copyFile, mkdir, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportOptions, RunResult } from '../../src/pipeline/options.js';
import { runImport } from '../../src/pipeline/run-import.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { creatableRows, readCsvObjects, tempDir, writePlannedCsv } from '../helpers/sheets.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(latencyMs = 10): Promise<Sandbox> {
  sandbox = await startSandbox({ port: 0, seed: 11, latencyMs });
  return sandbox;
}

const connection = (s: Sandbox) => ({ apiUrl: s.mainUrl, fallbackUrl: s.fallbackUrl, token: s.tokens.staff });

function expectEachRowOnce(s: Sandbox, created: number): void {
  expect(s.inspect.created()).toHaveLength(created);
  expect(s.inspect.duplicates()).toEqual([]);
}

async function importLogging(options: ImportOptions): Promise<{ result: RunResult; logs: string[] }> {
  const logs: string[] = [];
  const result = await runImport(options, { log: (line) => logs.push(line) });
  return { result, logs };
}

describe('the journal of an unfinished import of the same sheet file, kept under other results', () => {
  it('refuses a run with another --out after a canary run, and after the sheet is renamed; with the canary\'s --out it finishes, each row once', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(12, 6));
    const canary = await runImport({ file, ...connection(s), limit: 3, onExisting: 'create' });
    expect(canary.summary.counts.created).toBe(3);
    const journal = join(dir, 'import.results.csv.journal');
    expect(await readdir(dir)).toContain('import.results.csv.journal');
    const sent = s.inspect.requests().total;

    const refusal = {
      code: 'JOURNAL_ELSEWHERE',
      message:
        `An import of this sheet that has not finished keeps its journal at ${journal}, which made 3 packages. ` +
        `Started afresh here, this run would not know what that import sent. To finish it, run the import again with --out "${join(dir, 'import.results.csv')}".`,
    };
    await expect(runImport({ file, ...connection(s), out: join(dir, 'reports/'), onExisting: 'create' })).rejects.toMatchObject(refusal);
    const renamed = join(dir, 'march.csv');
    await rename(file, renamed);
    await expect(runImport({ file: renamed, ...connection(s), onExisting: 'create' })).rejects.toMatchObject(refusal);
    expect(s.inspect.created()).toHaveLength(3);
    expect(s.inspect.requests().total - sent).toBeLessThanOrEqual(2 * 4); // two access checks at most, no row
    expect((await readdir(dir)).sort()).toEqual(['import.results.csv', 'import.results.csv.journal', 'march.csv', 'reports']);
    expect(await readdir(join(dir, 'reports'))).toEqual([]); // made for the results, nothing begun in it

    const finished = await runImport({ file: renamed, ...connection(s), out: join(dir, 'import.results.csv'), onExisting: 'create' });
    expect(finished.summary.counts).toMatchObject({ created: 12, pending: 0 });
    expectEachRowOnce(s, 12);
    expect(await readdir(dir)).not.toContain('import.results.csv.journal');

    // Finished, it holds nothing back: the sheet's results can go anywhere now.
    const again = await runImport({ file: renamed, ...connection(s), out: join(dir, 'reports/') });
    expect(again.summary.counts).toMatchObject({ skipped: 12, created: 0 });
    expectEachRowOnce(s, 12);
  });

  it('is found after the sheet was saved again as a new file, resumed, then moved; and through a linked folder the same import resumes', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(12, 6));
    const stop = async (path: string) => {
      const controller = new AbortController();
      const run = await runImport({ file: path, ...connection(s), concurrency: 1, signal: controller.signal }, { progress: (p) => (p.done >= 2 ? controller.abort() : undefined) });
      expect(run.summary.interrupted).toBe(true);
    };
    await stop(file);
    // Excel saves a new file in its place: the resume goes on in the same journal, now of that file.
    await copyFile(file, join(dir, 'saved.csv'));
    await rename(join(dir, 'saved.csv'), file);
    await stop(file);
    await mkdir(join(dir, 'done'));
    const moved = join(dir, 'done', 'import.csv');
    await rename(file, moved);
    await expect(runImport({ file: moved, ...connection(s) })).rejects.toMatchObject({ code: 'JOURNAL_ELSEWHERE' });

    await symlink(dir, join(dir, 'done', 'link'));
    const finished = await runImport({ file: moved, ...connection(s), out: join(dir, 'done', 'link', 'import.results.csv') });
    expect(finished.summary.counts).toMatchObject({ created: 12, pending: 0 });
    expectEachRowOnce(s, 12);
  });

  it('does not hold back another sheet, nor the same sheet once its journal was deleted', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(6, 3));
    await runImport({ file, ...connection(s), limit: 2 });
    const other = await writePlannedCsv(dir, creatableRows(6, 3), 'copy.csv');
    expect((await runImport({ file: other, ...connection(s), out: join(dir, 'copy/') })).summary.counts).toMatchObject({ created: 4, skipped: 2 });

    await writeFile(join(dir, 'import.results.csv.journal'), '');
    const elsewhere = await runImport({ file, ...connection(s), out: join(dir, 'reports/') });
    expect(elsewhere.summary.counts).toMatchObject({ skipped: 6 });
    expectEachRowOnce(s, 6);
  });
});

describe('a copy of the sheet imported at the same time', () => {
  it('into the same platform is refused while the first runs; once it has ended, the copy finds every package made', async () => {
    const s = await start(50);
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(30, 3));
    await mkdir(join(dir, 'work'));
    const copy = join(dir, 'work', 'members.csv');
    await copyFile(file, copy);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = runImport({ file, ...connection(s), concurrency: 2 }, { progress: (p) => (p.done > 0 ? started() : undefined) });
    await running;
    await expect(runImport({ file: copy, ...connection(s) })).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: expect.stringMatching(/^A copy of this sheet \(the same contents, under another name or in another folder\) is being imported into the same platform\. Another import of this sheet is running \(process \d+\)/),
    });
    expect((await first).summary.counts.created).toBe(30);
    expect((await runImport({ file: copy, ...connection(s) })).summary.counts.skipped).toBe(30);
    expectEachRowOnce(s, 30);
  });
});

describe('rows an earlier run noted that the sheet no longer has', () => {
  it('are named in a warning with the packages made for them, and the journal is kept', async () => {
    const s = await start();
    const dir = await tempDir();
    const rows = creatableRows(8, 8);
    const file = await writePlannedCsv(dir, rows);
    const controller = new AbortController();
    const stopped = await runImport(
      { file, ...connection(s), concurrency: 1, signal: controller.signal },
      { progress: (p) => (p.done >= 3 ? controller.abort() : undefined) },
    );
    expect(stopped.summary.interrupted).toBe(true);
    const made = (await readCsvObjects(stopped.files.results)).find((r) => r.status === 'created')!;
    expect(made.client_package_id).toMatch(/\S/);

    // The start date of that row is corrected in the sheet before the same command is run again.
    const text = await readFile(file, 'utf8');
    const line = text.split('\n').find((l) => l.startsWith(`${made.Email},`))!;
    await writeFile(file, text.replace(line, line.replace(made.Start!, '2031-01-02')));

    const { result, logs } = await importLogging({ file, ...connection(s) });
    expect(result.summary.counts).toMatchObject({ created: 8, pending: 0 });
    expect(s.inspect.created()).toHaveLength(9); // the edited row's first package, and one for each row as it now stands
    const journal = join(dir, 'import.results.csv.journal');
    expect(logs).toContain(
      `Warning: ${journal} notes a row of an earlier run that this sheet no longer has (edited or taken out since); packages were made for one: ${made.client_package_id}. ` +
        'Check those clients on the platform. The journal is kept, so that this note stays; delete it once they are settled.',
    );
    expect(await readdir(dir)).toContain('import.results.csv.journal');
    expect(s.inspect.duplicates()).toEqual([]);
  });

  it('are not warned about by a run stopped before it came to them, which shows the rows done earlier as they were done', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(8, 8));
    const controller = new AbortController();
    await runImport({ file, ...connection(s), concurrency: 1, signal: controller.signal }, { progress: (p) => (p.done >= 3 ? controller.abort() : undefined) });
    const made = s.inspect.created().length;

    const stopped = new AbortController();
    stopped.abort();
    const logs: string[] = [];
    const again = await runImport({ file, ...connection(s), signal: stopped.signal }, { log: (line) => logs.push(line) });
    expect(logs.some((line) => line.startsWith('Warning:'))).toBe(false);
    expect(again.summary.counts).toMatchObject({ created: made, pending: 8 - made });
    const retried = await readCsvObjects(again.files.retry!);
    expect(retried).toHaveLength(8 - made);
  });
});
