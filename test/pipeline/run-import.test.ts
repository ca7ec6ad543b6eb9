// The whole import against the real sandbox in-process: what the server recorded and what the results say.
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RowExecutor } from '../../src/execute/executor.js';
import { baseOf } from '../../src/execute/api-url.js';
import { Journal } from '../../src/execute/journal.js';
import { lockTiming } from '../../src/execute/run-lock.js';
import { runImport } from '../../src/pipeline/run-import.js';
import type { ImportOptions, RunResult } from '../../src/pipeline/options.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { identityKey, readRecords } from '../../src/validate/index.js';
import { withDiskFullAfterTwoWrites } from '../helpers/disk-full.js';
import { creatableRows, DATA, plainClients, plainPackages, readCsvObjects, tempDir, writeCsv, writePlannedCsv } from '../helpers/sheets.js';
import { lockText, MACHINE } from '../execute/helpers/colliding-runs.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ port: 0, seed: 7, ...options });
  return sandbox;
}

function connection(s: Sandbox) {
  return { apiUrl: s.mainUrl, fallbackUrl: s.fallbackUrl, token: s.tokens.staff };
}

/** An import that Ctrl-C stops once 5 rows are done: its journal is left behind. */
function interruptedAfterFive(s: Sandbox, file: string): Promise<RunResult> {
  const controller = new AbortController();
  return runImport(
    { file, ...connection(s), rate: 100, concurrency: 2, signal: controller.signal },
    { progress: (p) => (p.done >= 5 ? controller.abort() : undefined) },
  );
}

/** An import that says it resumes from the journal an earlier run left. */
async function resumedImport(options: ImportOptions): Promise<RunResult> {
  const logs: string[] = [];
  const result = await runImport(options, { log: (line) => logs.push(line) });
  expect(logs.some((line) => line.startsWith('Resuming from'))).toBe(true);
  return result;
}

/** Every row of the sheet is created on the server, and once. */
function expectEachCreatedOnce(s: Sandbox, result: RunResult, rows: number): void {
  expect(result.summary.counts.created).toBe(rows);
  expect(s.inspect.created()).toHaveLength(rows);
  expect(s.inspect.duplicates()).toEqual([]);
}

/** Runs `fn` and fails if a promise was rejected with no one to handle it meanwhile. */
async function withoutUnhandledRejections(fn: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  expect(unhandled).toEqual([]);
}

describe('runImport against the sandbox', () => {
  it('creates every row once and reports each in the results, in input order', async () => {
    const s = await start();
    const dir = await tempDir();
    const rows = creatableRows(12, 5);
    const file = await writePlannedCsv(dir, rows);
    const result = await runImport({ file, ...connection(s), rate: 200 });

    expect(result.summary.counts.created).toBe(12);
    const created = s.inspect.created();
    expect(created).toHaveLength(12);
    expect(s.inspect.duplicates()).toEqual([]);

    const out = await readCsvObjects(result.files.results);
    expect(out.map((r) => r.Note)).toEqual(rows.map((_, i) => `note ${i + 1}`));
    expect(out.map((r) => r.source_row)).toEqual(rows.map((_, i) => String(i + 2)));
    for (const [i, r] of out.entries()) {
      expect(r.status).toBe('created');
      expect(r.resolved_client_id).toBe(rows[i]!.clientId);
      expect(r.resolved_package_id).toBe(rows[i]!.packageId);
      const onServer = created.find((c) => c.clientPackage.id === r.client_package_id);
      expect(onServer?.clientPackage).toMatchObject({ client_id: rows[i]!.clientId, valid_from: rows[i]!.validFrom });
      if (rows[i]!.price) expect(Number(onServer?.clientPackage.amount)).toBe(Number(rows[i]!.price));
    }
    expect(result.files.retry).toBeUndefined();
  });

  it('with no --rate against a server limit: every row created once, and the run keeps to the rate it was answered', async () => {
    const s = await start({ rate: 20 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(60, 20));
    const result = await runImport({ file, ...connection(s), concurrency: 8 });

    expect(result.summary.counts.created).toBe(60);
    expect(s.inspect.created()).toHaveLength(60);
    expect(s.inspect.duplicates()).toEqual([]);
    const requests = Number(result.summary.options.requests);
    const limited = Number(result.summary.options['rate limited (429)']);
    expect(limited).toBeGreaterThan(0); // the burst at the start met the limit...
    expect(limited / requests).toBeLessThan(0.2); // ...and the run slowed down instead of hammering it
    expect(result.summary.options.rate).toMatch(/^none/);
  });

  it('reports progress as rows done of the sheet\'s total', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(30, 6));
    const seen: Array<{ done: number; total?: number }> = [];
    await runImport({ file, ...connection(s), rate: 500 }, { progress: (p) => seen.push({ done: p.done, ...(p.total !== undefined && { total: p.total }) }) });
    expect(seen.at(-1)?.done).toBe(30);
    expect(seen.filter((p) => p.total !== undefined).every((p) => p.total === 30)).toBe(true);
    expect(seen.some((p) => p.total === 30)).toBe(true);
  });

  it('creates nothing the second time, and nothing on a dry run', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(6));
    await runImport({ file, ...connection(s), rate: 200 });
    const again = await runImport({ file, ...connection(s), rate: 200 });
    expect(again.summary.counts.skipped).toBe(6);
    expect(s.inspect.created()).toHaveLength(6);

    const dry = await runImport({ file: await writePlannedCsv(dir, creatableRows(9), 'more.csv'), ...connection(s), dryRun: true, rate: 200 });
    expect(dry.summary.counts).toMatchObject({ skipped: 6, would_create: 3 });
    expect(s.inspect.created()).toHaveLength(6);
  });

  it('gives every status its row and writes the retry sheet with the rows to fix', async () => {
    const s = await start();
    const dir = await tempDir();
    const [a, b] = creatableRows(2);
    const file = await writeCsv(dir, 'mixed.csv', ['Email', 'Package', 'Start', 'Price'], [
      [a!.email, a!.packageName, a!.validFrom, ''],
      ['nobody@example.com', a!.packageName, '2027-01-01', ''],
      [b!.email, 'No Such Package', '2027-01-01', ''],
      [b!.email, b!.packageName, '31/02/2027', ''],
      [a!.email, a!.packageName, a!.validFrom, '5'],
      [b!.email, b!.packageName, '2027-01-01', '-3'],
    ]);
    const result = await runImport({ file, ...connection(s), rate: 200 });
    const out = await readCsvObjects(result.files.results);
    expect(out.map((r) => r.status)).toEqual(['created', 'failed', 'failed', 'invalid', 'duplicate', 'invalid']);
    expect(out[1]!.message).toContain('client not found');
    expect(out[3]!.message).toContain('31/02/2027');
    expect(s.inspect.created()).toHaveLength(1);

    const retry = await readCsvObjects(result.files.retry!);
    expect(retry.map((r) => r.Email)).toEqual(['nobody@example.com', b!.email, b!.email, b!.email]);
    expect(retry[0]!.message).toContain('client not found');
  });

  it('the retry file gives a date whose day/month order came from other rows as the day it was read as: imported alone, it means the same', async () => {
    const s = await start();
    const dir = await tempDir();
    const [a, b, c] = creatableRows(3);
    const file = await writeCsv(dir, 'renew.csv', ['Email', 'Plan', 'Start', 'End', 'Price'], [
      [a!.email, a!.packageName, '25/12/2026', '', ''], // settles the file's order: day first
      ['nobody@example.com', a!.packageName, '03/10/2026', '02/11/2027', ''], // failed: both dates as read
      [b!.email, b!.packageName, '04/11/2026', '', '-3'], // invalid price: its date as read
      [b!.email, b!.packageName, '05/10/2026', '04/09/2026', ''], // invalid end: the end stays as written
    ]);
    const first = await runImport({ file, ...connection(s) });
    expect((await readCsvObjects(first.files.results)).map((r) => r.Start)).toEqual(['25/12/2026', '03/10/2026', '04/11/2026', '05/10/2026']);
    const retryPath = first.files.retry!;
    expect((await readCsvObjects(retryPath)).map((r) => [r.Start, r.End])).toEqual([
      ['2026-10-03', '2027-11-02'],
      ['2026-11-04', ''],
      ['2026-10-05', '04/09/2026'],
    ]);

    // The failed row fixed, and the file imported again as it is, with no --date-format.
    await writeFile(retryPath, (await readFile(retryPath, 'utf8')).replace('nobody@example.com', c!.email));
    const again = await runImport({ file: retryPath, ...connection(s) });
    expect((await readCsvObjects(again.files.results)).map((r) => r.status)).toEqual(['created', 'invalid', 'invalid']);
    expect(s.inspect.created().at(-1)!.body).toMatchObject({ client_id: c!.clientId, valid_from: '2026-10-03', valid_until: '2027-11-02' });
  });

  it('a row with both a client_id and an email is created only when the id is one of the clients that email finds', async () => {
    const s = await start();
    const dir = await tempDir();
    const [a, b] = plainClients();
    const pkg = plainPackages()[0]!;
    // Two clients of our business sharing one email: the client_id is what tells them apart.
    const shared = DATA.clients.filter((c) => (c.business_id ?? DATA.business_id) === DATA.business_id);
    const [twin1, twin2] = shared.filter((c) => shared.filter((o) => o.email.toLowerCase() === c.email.toLowerCase()).length === 2);
    expect(twin1!.email.toLowerCase()).toBe(twin2!.email.toLowerCase());
    const file = await writeCsv(dir, 'both.csv', ['Email', 'Client ID', 'Package', 'Start'], [
      [a!.email, a!.id, pkg.name, '2027-01-01'],
      [a!.email.toUpperCase(), b!.id, pkg.name, '2027-02-01'],
      ['nobody-here@example.com', b!.id, pkg.name, '2027-03-01'],
      [twin1!.email, twin2!.id, pkg.name, '2027-04-01'],
      [twin1!.email, a!.id, pkg.name, '2027-05-01'],
      ['', b!.id, pkg.name, '2027-06-01'],
      [a!.email, '', pkg.name, '2027-01-01'],
    ]);
    const searches = () => s.inspect.requests().byRoute['GET /platform/v1/clients']?.['200'] ?? 0;
    const result = await runImport({ file, ...connection(s), rate: 200 });
    const out = await readCsvObjects(result.files.results);

    expect(out.map((r) => r.status)).toEqual(['created', 'failed', 'failed', 'created', 'failed', 'created', 'duplicate']);
    expect(out[0]).toMatchObject({ resolved_client_id: a!.id });
    expect(out[0]!.message).toContain(a!.email);
    expect(out[1]!.message).toBe(
      `client mismatch: client_id ${b!.id} is not the client with the email ${a!.email.toUpperCase()} ` +
        `(that email belongs to ${a!.id}); correct the one that is wrong`,
    );
    expect(out[2]!.message).toContain(`client_id ${b!.id} is not the client with the email nobody-here@example.com (no client has that email)`);
    expect(out[3]).toMatchObject({ resolved_client_id: twin2!.id });
    expect(out[4]!.message).toContain(`client_id ${a!.id} is not the client with the email ${twin1!.email} (that email belongs to ${twin1!.id}, ${twin2!.id})`);
    expect(out[5]).toMatchObject({ resolved_client_id: b!.id });
    expect(out[6]!.message).toContain('same client, package and valid_from as row 2');
    for (const r of [out[1]!, out[2]!, out[4]!]) expect(r.resolved_client_id).toBe('');

    // Nothing was made for a mismatched row: only the three rows whose client is sure.
    const made = s.inspect.created().map((c) => `${c.clientPackage.client_id} ${c.clientPackage.valid_from}`);
    expect(made.sort()).toEqual([`${a!.id} 2027-01-01`, `${twin2!.id} 2027-04-01`, `${b!.id} 2027-06-01`].sort());
    // Each distinct email looked up once (the two spellings of a's are one), and the preflight's page of clients.
    expect(searches()).toBe(3 + 1);
  });

  it('with 429s, 500s and drops before and after the commit, every row ends with exactly one package', async () => {
    const s = await start({ rate: 15, failRate: 0.15, dropBefore: 0.15, dropAfter: 0.15, seed: 11 });
    const dir = await tempDir();
    const rows = creatableRows(60, 20);
    const file = await writePlannedCsv(dir, rows);
    // The sandbox drops before committing and never commits later: a short settle is enough here.
    const result = await runImport({ file, ...connection(s), rate: 60, concurrency: 8, retries: 8, settle: 0.05 });

    expect(result.summary.counts.created).toBe(60);
    expect(s.inspect.duplicates()).toEqual([]);
    const created = s.inspect.created();
    expect(created).toHaveLength(60);
    const byRoute = s.inspect.requests().byRoute;
    const statuses = Object.values(byRoute).flatMap((m) => Object.keys(m));
    expect(statuses).toEqual(expect.arrayContaining(['429', '500', 'dropped']));
    const out = await readCsvObjects(result.files.results);
    expect(new Set(out.map((r) => r.client_package_id)).size).toBe(60);
  });

  it('creates that a gateway gave up on (504) while the platform went on to make them are found by reading back once settled, never made twice', async () => {
    const s = await start({ lateCommit: 0.3, lateCommitMs: 2_500, seed: 5 });
    const rows = creatableRows(40, 10);
    const file = await writePlannedCsv(await tempDir(), rows);
    const result = await runImport({ file, ...connection(s), rate: 200, concurrency: 8, settle: 4 });

    expectEachCreatedOnce(s, result, 40);
    expect(s.inspect.requests().byRoute['POST /platform/v1/payment/client_packages']?.['504']).toBeGreaterThan(5);
    const out = await readCsvObjects(result.files.results);
    const confirmed = out.filter((r) => r.message?.includes('confirmed by reading back after: The upstream server did not answer in time'));
    expect(confirmed.length).toBe(s.inspect.requests().byRoute['POST /platform/v1/payment/client_packages']?.['504']);
    expect(confirmed.every((r) => r.status === 'created' && r.attempts === '1' && r.http_status === '504')).toBe(true);
    expect(new Set(out.map((r) => r.client_package_id)).size).toBe(40);
  });

  it('a second import of the same sheet file is refused while one runs, whatever its --out and however the path is written', async () => {
    const s = await start({ latencyMs: 100 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(30, 3));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = runImport({ file, ...connection(s), concurrency: 2, out: join(dir, 'a.results.csv') }, { progress: (p) => (p.done > 0 ? started() : undefined) });
    await running;
    const samePath = join(dir, '..', basename(dir), '.', 'import.csv');
    await expect(runImport({ file: samePath, ...connection(s), out: join(dir, 'b.results.xlsx') })).rejects.toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: expect.stringContaining(`Another import of this sheet is running (process ${process.pid})`),
    });
    expectEachCreatedOnce(s, await first, 30);
    // Once it has ended, the same sheet with another --out runs, and finds every package made.
    const second = await runImport({ file: samePath, ...connection(s), out: join(dir, 'b.results.xlsx') });
    expect(second.summary.counts.skipped).toBe(30);
    expect(s.inspect.duplicates()).toEqual([]);
  });

  it('stops on Ctrl-C with unreached rows pending, and a second run finishes them without duplicates', async () => {
    const s = await start({ latencyMs: 20 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(40, 10));
    const first = await interruptedAfterFive(s, file);
    expect(first.summary.interrupted).toBe(true);
    expect(first.summary.counts.pending).toBeGreaterThan(0);
    expect(first.summary.counts.created + first.summary.counts.pending).toBe(40);
    expect(await readdir(dir)).toContain('import.results.csv.journal');

    expectEachCreatedOnce(s, await runImport({ file, ...connection(s), rate: 200 }), 40);
    expect(await readdir(dir)).not.toContain('import.results.csv.journal');
  });

  it('a dry run after Ctrl-C shows the rows the stopped run created as created, sends nothing, and leaves the journal for the resume', async () => {
    const s = await start({ latencyMs: 20 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(40, 10));
    const first = await interruptedAfterFive(s, file);
    const made = first.summary.counts.created;
    const sent = s.inspect.created().length;

    const dry = await runImport({ file, ...connection(s), dryRun: true });
    expect(dry.summary.counts.created).toBe(made);
    expect(dry.summary.counts.would_create).toBe(40 - made);
    expect(s.inspect.created()).toHaveLength(sent);
    expect(await readdir(dir)).toContain('import.results.csv.journal');

    expectEachCreatedOnce(s, await resumedImport({ file, ...connection(s), rate: 200 }), 40);
  });

  it('Ctrl-C stops sending: the lookups and creates still waiting for a slot are not sent, and their rows are pending', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(30));
    const controller = new AbortController();
    let sentBeforeStop: number | undefined;
    // 30 clients at 4 requests a second: their lookups alone take over 7 s; the stop comes 2 s in.
    const stopping = setTimeout(() => {
      sentBeforeStop = s.inspect.requests().total;
      controller.abort();
    }, 2_000);
    const result = await runImport({ file, ...connection(s), rate: 4, concurrency: 4, signal: controller.signal }).finally(() => clearTimeout(stopping));
    expect(result.summary.interrupted).toBe(true);
    // Only what was already under way when the stop came (at most one request per slot) reached the server.
    expect(s.inspect.requests().total - sentBeforeStop!).toBeLessThanOrEqual(4);
    const statuses = (await readCsvObjects(join(dir, 'import.results.csv'))).map((r) => r.status);
    expect(statuses).toHaveLength(30);
    expect(statuses.filter((st) => st !== 'created' && st !== 'pending')).toEqual([]);
    expect(statuses.filter((st) => st === 'created')).toHaveLength(s.inspect.created().length);
  });

  it('a run whose lock another run takes over stops before its next create and leaves its files to that run; once it is gone, a rerun creates each missing row once', async () => {
    // Each answer takes far longer than the run takes to notice (its lock is looked at every 20 ms).
    const s = await start({ latencyMs: 300 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(40, 2));
    const lock = join(dir, 'import.results.csv.journal.lock');
    const othersLock = lockText(4243, MACHINE, 'a1b2c3d4-0000-4000-8000-000000000000');
    const refreshMs = lockTiming.refreshMs;
    lockTiming.refreshMs = 20;
    try {
      let createdWhenTaken: number | undefined;
      const run = runImport(
        { file, ...connection(s), concurrency: 1 },
        {
          progress: (p) => {
            if (p.done < 3 || createdWhenTaken !== undefined) return;
            // Another run (elsewhere, judging this one dead) puts its own lock in place.
            createdWhenTaken = s.inspect.created().length;
            rmSync(lock);
            writeFileSync(lock, othersLock);
          },
        },
      );
      await expect(run).rejects.toMatchObject({
        code: 'RUN_IN_PROGRESS',
        message: `This run's lock ${lock} was taken by another run while this one was held up, or deleted: this run stops here, before sending another create, and leaves the results and the journal to that run.`,
      });
      // The create under way when the lock went may have been sent; nothing after it.
      expect(createdWhenTaken).toBeDefined();
      expect(s.inspect.created().length).toBeLessThanOrEqual(createdWhenTaken! + 1);
      // No results written over the other run's; its lock stays; the journal keeps what this run sent.
      expect((await readdir(dir)).sort()).toEqual(['import.csv', 'import.results.csv.journal', 'import.results.csv.journal.lock']);
      expect(await readFile(lock, 'utf8')).toBe(othersLock);
    } finally {
      lockTiming.refreshMs = refreshMs;
    }
    await rm(lock); // the other run has ended
    // The create that may have left as the lock went never had its answer journaled: the rerun gives it
    // until its answer was due (--timeout) and --settle after that (the sandbox answers in 300 ms, and
    // makes a package at once or never).
    expectEachCreatedOnce(s, await resumedImport({ file, ...connection(s), rate: 200, timeout: 2, settle: 0.5 }), 40);
  });

  it('a run refused at the preflight leaves the files of an interrupted run as they were, and the run after it resumes', async () => {
    const s = await start({ latencyMs: 20 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(40, 10));
    await interruptedAfterFive(s, file);
    const contents = async () => Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (name) => [name, await readFile(join(dir, name), 'utf8')])));
    const before = await contents();
    expect(Object.keys(before)).toContain('import.results.csv.journal');

    // Another server's URL, and a token it refuses: its journal would be another run's.
    const other = await startSandbox({ port: 0, seed: 1 });
    try {
      await expect(runImport({ file, ...connection(other), token: 'wrong' })).rejects.toMatchObject({ code: 'TOKEN_REJECTED' });
      expect(await contents()).toEqual(before);
      // And a run there stopped (Ctrl-C) before its first row: every row pending, the journal untouched.
      const stopped = new AbortController();
      stopped.abort();
      const interrupted = await runImport({ file, ...connection(other), signal: stopped.signal });
      expect(interrupted.summary.counts.pending).toBe(40);
      expect(other.inspect.created()).toHaveLength(0);
    } finally {
      await other.close();
    }
    const journalFile = 'import.results.csv.journal';
    expect((await contents())[journalFile]).toBe(before[journalFile]);

    expectEachCreatedOnce(s, await resumedImport({ file, ...connection(s), rate: 200 }), 40);
  });

  it('a row that throws something unexpected ends the run with it, and loses no row: a rerun does the rest once', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(60, 20));
    const execute = RowExecutor.prototype.execute;
    const spy = vi.spyOn(RowExecutor.prototype, 'execute').mockImplementation(async function (this: RowExecutor, record, key) {
      if (record.sourceRow === 16) throw new Error('a bug on row 16');
      return execute.call(this, record, key);
    });
    try {
      await withoutUnhandledRejections(async () => {
        await expect(runImport({ file, ...connection(s), concurrency: 2 })).rejects.toThrow('a bug on row 16');
      });
    } finally {
      spy.mockRestore();
    }
    expect(await readdir(dir)).toContain('import.results.csv.journal');

    expectEachCreatedOnce(s, await runImport({ file, ...connection(s) }), 60);
  });

  it('resumes with the API URLs written another way (a trailing slash, the /platform/v1 path)', async () => {
    const s = await start({ latencyMs: 20 });
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(30, 10));
    await interruptedAfterFive(s, file);
    const second = await resumedImport({
      file,
      ...connection(s),
      apiUrl: `${s.mainUrl}/`,
      fallbackUrl: `${s.fallbackUrl}/platform/v1`,
      onExisting: 'create',
    });
    expectEachCreatedOnce(s, second, 30);
  });

  it('a canary run with --limit keeps its journal, so the whole sheet after it creates nothing twice, even with --on-existing create', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(10, 5));
    const canary = await runImport({ file, ...connection(s), limit: 4 });
    expect(canary.summary.counts.created).toBe(4);
    expect(await readdir(dir)).toContain('import.results.csv.journal');

    expectEachCreatedOnce(s, await runImport({ file, ...connection(s), onExisting: 'create' }), 10);
    expect(await readdir(dir)).not.toContain('import.results.csv.journal');
  });

  it('a journal of another server holding creates whose outcome never came back: the run refuses to start, and leaves it as it was', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(6, 3));
    const journalPath = join(dir, 'import.results.csv.journal');
    const other = { apiUrl: 'https://platform.example.test', fallbackUrl: 'https://platform.example.test' };
    const left = await Journal.open(journalPath, other);
    await left.intent('row-a', [], 1); // never answered
    await left.intent('row-b', [], 1);
    await left.intent('row-b', [], 2); // answered at the second attempt
    await left.outcome('row-b', { sourceRow: 3, status: 'created', message: 'created' });
    await left.intent('row-c', [], 1);
    await left.close();
    const before = await readFile(journalPath, 'utf8');

    for (const onExisting of ['skip', 'create'] as const) {
      await expect(runImport({ file, ...connection(s), onExisting })).rejects.toMatchObject({
        code: 'UNSETTLED_ELSEWHERE',
        message: `${journalPath} holds 2 creates whose outcomes never came back, from a run against https://platform.example.test. This run's URLs are different, and it would start the journal afresh.`,
      });
    }
    expect(s.inspect.created()).toEqual([]);
    expect(await readFile(journalPath, 'utf8')).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['import.csv', 'import.results.csv.journal']);
  });

  it('a rehearsal\'s journal (the sandbox, on this machine) holding creates with no outcome is started afresh by a run elsewhere', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(6, 3));
    const journalPath = join(dir, 'import.results.csv.journal');
    const rehearsal = await Journal.open(journalPath, { apiUrl: 'http://127.0.0.1:9', fallbackUrl: 'http://127.0.0.1:9' });
    await rehearsal.intent('row-a', [], 1);
    await rehearsal.close();
    expectEachCreatedOnce(s, await runImport({ file, ...connection(s) }), 6);
  });

  it("a rehearsal does not start afresh the journal of an unfinished import: that import then resumes and creates nothing twice", async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(6, 3));
    const canary = await runImport({ file, ...connection(s), limit: 2, onExisting: 'create' });
    expect(canary.summary.counts.created).toBe(2);
    const journalPath = join(dir, 'import.results.csv.journal');
    const before = await readFile(journalPath, 'utf8');

    await expect(runImport({ file, sandbox: true, onExisting: 'create' })).rejects.toMatchObject({
      code: 'REHEARSAL_OVER_IMPORT',
      message: expect.stringContaining(`${journalPath} is the journal of an import against ${baseOf(s.mainUrl).shown}`),
    });
    expect(await readFile(journalPath, 'utf8')).toBe(before);
    const resumed = await runImport({ file, ...connection(s), onExisting: 'create' });
    expect(resumed.summary.counts.created).toBe(6);
    expect(s.inspect.created()).toHaveLength(6);
    expect(s.inspect.duplicates()).toEqual([]);
  });

  it('with --on-existing create, a run under other URLs does not start afresh the journal of an unfinished import that made packages', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(6, 3));
    await runImport({ file, ...connection(s), limit: 2, onExisting: 'create' });
    const journalPath = join(dir, 'import.results.csv.journal');
    const before = await readFile(journalPath, 'utf8');
    // The same sandbox under another name: its journal's URLs are not this run's.
    const otherName = { ...connection(s), apiUrl: s.mainUrl.replace('127.0.0.1', 'localhost'), fallbackUrl: s.fallbackUrl.replace('127.0.0.1', 'localhost') };

    await expect(runImport({ file, ...otherName, onExisting: 'create' })).rejects.toMatchObject({
      code: 'CREATED_ELSEWHERE',
      message: expect.stringContaining('that has not finished and made 2 packages'),
    });
    expect(await readFile(journalPath, 'utf8')).toBe(before);
    expect(s.inspect.created()).toHaveLength(2);
    // With skip, the run goes ahead: the existing-package check finds what the canary made.
    const skipped = await runImport({ file, ...otherName });
    expect(skipped.summary.counts).toMatchObject({ created: 4, skipped: 2 });
    expect(s.inspect.created()).toHaveLength(6);
    expect(s.inspect.duplicates()).toEqual([]);
  });

  it('a rerun after a kill says at the start until when the creates the killed run got no clear answer to hold their rows, then creates each row once', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(4, 4));
    const keys: string[] = [];
    const stream = await readRecords(file);
    for await (const item of stream.items) if (item.record) keys.push(identityKey(item.record));
    await stream.close();
    // The killed run: row 2's intent was written and no answer came (a kill as it was sent, or before
    // it got a slot); row 4's create was answered 504 and was being given its --settle.
    const earlier = await Journal.open(join(dir, 'import.results.csv.journal'), { apiUrl: baseOf(s.mainUrl).shown, fallbackUrl: baseOf(s.fallbackUrl).shown });
    const sentAt = Date.now() - 200;
    await earlier.intent(keys[0]!, [], 1, sentAt);
    await earlier.intent(keys[2]!, [], 1, sentAt);
    await earlier.unclear(keys[2]!, sentAt + 200, false);
    await earlier.close();

    const logs: string[] = [];
    const result = await runImport({ file, ...connection(s), timeout: 0.5, settle: 2 }, { log: (line) => logs.push(line) });
    // The later of the two: row 2's answer was due --timeout after it was sent, and --settle after that.
    const until = new Date(Math.ceil((sentAt + 2_500) / 1000) * 1000);
    const clock = [until.getHours(), until.getMinutes(), until.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    const resuming = logs.findIndex((line) => line.startsWith('Resuming from'));
    expect(resuming).toBeGreaterThanOrEqual(0);
    expect(logs[resuming + 1]).toBe(
      `2 creates of the earlier run got no clear answer: each is given until ${clock} to finish on the platform before it is read back (--timeout and --settle), so those rows wait until then.`,
    );
    expectEachCreatedOnce(s, result, 4);
  });

  it("the sheet's total counts the price a row gives even when the row fails before its package is known", async () => {
    const s = await start();
    const dir = await tempDir();
    const [row] = creatableRows(1);
    const file = await writePlannedCsv(dir, [
      { ...row!, price: '$10.00' },
      { ...row!, email: 'nobody-here@example.com', price: '$5.25' },
    ]);
    const result = await runImport({ file, ...connection(s) });
    expect(result.summary.counts).toMatchObject({ created: 1, failed: 1 });
    expect(result.summary.createdTotal).toEqual({ USD: '10' });
    expect(result.summary.sheetTotal).toEqual({ USD: '15.25' });
  });

  it("the sheet's total counts a row with no price at its package's price, the same however far the run went", async () => {
    const s = await start();
    const dir = await tempDir();
    const [row] = creatableRows(1);
    const file = await writeCsv(dir, 'totals.csv', ['Email', 'Package', 'Start', 'Price'], [
      [row!.email, 'Gold Monthly', '2027-01-01', ''],
      ['nobody-here@example.com', 'Gold Monthly', '2027-01-01', ''], // failed before its package is resolved
      [row!.email, 'Gold Monthly', '2027-02-01', '1.50'],
    ]);
    const stopped = new AbortController();
    stopped.abort();
    const pending = await runImport({ file, out: join(dir, 'stopped.results.csv'), ...connection(s), signal: stopped.signal });
    expect(pending.summary.counts.pending).toBe(3);
    const finished = await runImport({ file, ...connection(s) });
    expect(finished.summary.counts).toMatchObject({ created: 2, failed: 1 });
    const expected = { USD: '259.5' }; // Gold Monthly at its 129.00 twice, and 1.50
    expect(pending.summary.sheetTotal).toEqual(expected);
    expect(finished.summary.sheetTotal).toEqual(expected);
  });

  it("the sheet's total counts a price that names no currency in its package's, also for rows failed or left pending", async () => {
    const s = await start();
    const dir = await tempDir();
    const [row] = creatableRows(1);
    const file = await writeCsv(dir, 'totals.csv', ['Email', 'Package', 'Start', 'Price'], [
      [row!.email, 'Gold Monthly', '2027-01-01', '5'],
      ['nobody-here@example.com', 'Berlin Studio Monthly', '2027-01-01', '10'], // failed before its package is resolved
      [row!.email, 'Summer Special 2024', '2027-01-01', '7'], // failed on its package: inactive, in USD
      [row!.email, 'No Such Package', '2027-01-01', '2'], // no package to take a currency from
    ]);
    const result = await runImport({ file, ...connection(s) });
    expect(result.summary.counts).toMatchObject({ created: 1, failed: 3 });
    expect(result.summary.createdTotal).toEqual({ USD: '5' });
    expect(result.summary.sheetTotal).toEqual({ USD: '12', EUR: '10', '': '2' });

    const stopped = new AbortController();
    stopped.abort();
    const pending = await runImport({ file, out: join(dir, 'stopped.results.csv'), ...connection(s), signal: stopped.signal });
    expect(pending.summary.counts.pending).toBe(4);
    expect(pending.summary.sheetTotal).toEqual({ USD: '12', EUR: '10', '': '2' });
  });

  it('a results file that cannot be written part way through ends the run with the reason, and a rerun finishes', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(1500, 50));
    await withDiskFullAfterTwoWrites(() =>
      withoutUnhandledRejections(async () => {
        await expect(runImport({ file, ...connection(s), concurrency: 4 })).rejects.toMatchObject({
          code: 'OUTPUT_UNWRITABLE',
          message: `Cannot write the results in ${dir}: the disk is full.`,
        });
      }),
    );
    expect(await readdir(dir)).toContain('import.results.csv.journal');

    expectEachCreatedOnce(s, await runImport({ file, ...connection(s), onExisting: 'create' }), 1500);
  });

  it('a quote left open part way down the sheet: the rows above it are done, the run ends with the reason, and once fixed a rerun does the rest', async () => {
    const s = await start();
    const dir = await tempDir();
    // Past the first thousand rows, which are read before any is sent (they settle the day/month order).
    const rows = creatableRows(1200, 50);
    const file = await writePlannedCsv(dir, rows.slice(0, 1100));
    const after = await readFile(await writePlannedCsv(dir, rows.slice(1100), 'rest.csv'), 'utf8');
    await appendFile(file, `${rows[0]!.email},"${rows[0]!.packageName},2028-01-01,,never closed\n${after.slice(after.indexOf('\n') + 1)}`);
    await expect(runImport({ file, ...connection(s), concurrency: 4 })).rejects.toMatchObject({ code: 'FILE_CORRUPT' });
    // The rows before it were done, but for the 16 (4 x --concurrency) under way when it was found:
    // those finished what they had sent, and sent no more.
    expect(s.inspect.created().length).toBeGreaterThanOrEqual(1100 - 16);
    expect(s.inspect.created().length).toBeLessThanOrEqual(1100);

    await writePlannedCsv(dir, rows);
    expectEachCreatedOnce(s, await runImport({ file, ...connection(s), concurrency: 4 }), 1200);
  });

  it('a resumed run looks up only the clients of rows still to do', async () => {
    const s = await start();
    const dir = await tempDir();
    // One row per client: a client looked up belongs to one row.
    const file = await writePlannedCsv(dir, creatableRows(12, 12));
    const first = await interruptedAfterFive(s, file);
    const done = first.summary.counts.created;
    expect(done).toBeGreaterThanOrEqual(5);
    const searches = () => s.inspect.requests().byRoute['GET /platform/v1/clients']?.['200'] ?? 0;
    const before = searches();

    expectEachCreatedOnce(s, await runImport({ file, ...connection(s) }), 12);
    // The rest of the rows' clients, and the preflight's one page of clients.
    expect(searches() - before).toBe(12 - done + 1);
  });

  it('refuses a directory token before sending anything', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(2));
    await expect(runImport({ file, ...connection(s), token: s.tokens.directory })).rejects.toMatchObject({ code: 'TOKEN_NOT_STAFF' });
    await expect(runImport({ file, ...connection(s), token: 'wrong' })).rejects.toMatchObject({ code: 'TOKEN_REJECTED' });
    expect(s.inspect.created()).toHaveLength(0);
    // No results, no journal, no lock and no temp file are left behind.
    expect(await readdir(dir)).toEqual(['import.csv']);
  });

  it('--sheet on a CSV file is refused as a usage error: nothing is created, nothing is left behind', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(2));
    await expect(runImport({ file, ...connection(s), sheet: 'Data' })).rejects.toMatchObject({
      code: 'USAGE',
      message: '--sheet "Data" picks a sheet of an XLSX workbook; import.csv is a CSV file, which has one. Leave --sheet out to read it.',
    });
    expect(s.inspect.created()).toHaveLength(0);
    expect(await readdir(dir)).toEqual(['import.csv']);
  });

  it('a sheet that cannot be read is reported at once, even with the preflight still waiting for an answer', { timeout: 20_000 }, async () => {
    // A server that takes connections and never answers.
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const dir = await tempDir();
      // Waiting for the preflight would take the minute an answer is given, far past this test's timeout.
      await expect(runImport({ file: join(dir, 'missing.csv'), apiUrl: url, token: 'tok' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('--out into a folder that does not exist yet: the folder is made and the import runs', async () => {
    const s = await start();
    const dir = await tempDir();
    const file = await writePlannedCsv(dir, creatableRows(3));
    const out = join(dir, 'new', 'folder', 'results.csv');
    const result = await runImport({ file, ...connection(s), out });
    expect(result.summary.counts.created).toBe(3);
    expect(result.files.results).toBe(out);
    expect((await readCsvObjects(out)).map((r) => r.status)).toEqual(['created', 'created', 'created']);
  });

  it('writes the token into no file', async () => {
    const s = await start({ failRate: 0.2, seed: 3 });
    const dir = await tempDir();
    const [a] = creatableRows(1);
    const file = await writeCsv(dir, 'sheet.csv', ['Email', 'Package', 'Start'], [
      [a!.email, a!.packageName, a!.validFrom],
      ['nobody@example.com', a!.packageName, a!.validFrom],
    ]);
    const controller = new AbortController();
    await runImport({ file, ...connection(s), retries: 2, signal: controller.signal });
    for (const name of await readdir(dir)) {
      const bytes = await readFile(join(dir, name));
      expect(bytes.includes(Buffer.from(s.tokens.staff)), name).toBe(false);
    }
  });
});
