// What must never leak or run: the token in any output, a cell a spreadsheet would execute, plain
// http:// to another machine, and results written over the input.
import { readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { runImport } from '../../src/pipeline/run-import.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { creatableRows, readCsvObjects, tempDir, writeCsv, writePlannedCsv } from '../helpers/sheets.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 11 });
});
afterAll(async () => {
  await sandbox.close();
});

const envOf = (token: string) => ({ PLATFORM_API_URL: sandbox.mainUrl, PLATFORM_FALLBACK_API_URL: sandbox.fallbackUrl, PLATFORM_STAFF_TOKEN: token });

/** The bytes of a file, plus the inflated parts when it is a zip (an .xlsx compresses its text). */
function readableBytes(bytes: Buffer): Buffer[] {
  const parts = [bytes];
  for (let at = bytes.indexOf('PK\u0003\u0004'); at >= 0 && at + 30 <= bytes.length; at = bytes.indexOf('PK\u0003\u0004', at + 4)) {
    const method = bytes.readUInt16LE(at + 8);
    const size = bytes.readUInt32LE(at + 18);
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    const data = bytes.subarray(start, start + size);
    if (method === 8) {
      try {
        parts.push(inflateRawSync(data));
      } catch {
        // exceljs streams some parts with a data descriptor; those sizes are 0 and the raw scan covers nothing there.
      }
    } else parts.push(data);
  }
  return parts;
}

async function expectNoSecretIn(dir: string, runs: CliRun[], secret: string): Promise<number> {
  const needles = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
  for (const run of runs) for (const needle of needles) expect(run.stdout + run.stderr).not.toContain(needle);
  let scanned = 0;
  for (const name of await readdir(dir)) {
    const bytes = await readFile(join(dir, name));
    for (const part of readableBytes(bytes)) {
      for (const needle of needles) {
        expect(part.includes(needle), `${name} holds the token`).toBe(false);
        expect(part.includes(Buffer.from(needle, 'utf16le')), `${name} holds the token (UTF-16)`).toBe(false);
      }
    }
    scanned++;
  }
  return scanned;
}

describe('the token never leaves the environment', () => {
  it('is in no output or file of a run whose rows fail, of an interrupted run, or of a rejected-token run', async () => {
    const token = sandbox.tokens.staff;
    const dir = await tempDir('cp-secret-');
    const rows = creatableRows(40, 20).map((r) => ({ ...r, validFrom: '2029-03-01' }));
    const failing = await writeCsv(dir, 'failing.csv', ['Email', 'Package', 'Start', 'Price'], [
      ...rows.slice(0, 10).map((r) => [r.email, r.packageName, r.validFrom, '']),
      ['nobody@nowhere.test', rows[0]!.packageName, '2029-03-01', ''],
      [rows[1]!.email, 'No Such Package', '2029-03-01', ''],
      [rows[2]!.email, rows[2]!.packageName, '2029-02-30', ''],
      [rows[3]!.email, rows[3]!.packageName, '2029-03-01', '-5'],
    ]);
    sandbox.inspect.setFaults({ failRate: 0.3 });
    const runs: CliRun[] = [];
    try {
      runs.push(await runCli(['import', failing, '--rate', '200', '--retries', '0'], { env: envOf(token) }));
      runs.push(await runCli(['import', failing, '--rate', '200', '--retries', '0', '--out', join(dir, 'failing.results.xlsx')], { env: envOf(token) }));
    } finally {
      sandbox.inspect.setFaults({ failRate: 0 });
    }
    for (const run of runs) expect([1, 2], run.stderr).toContain(run.code);

    sandbox.inspect.setFaults({ latencyMs: 30 });
    try {
      const interruptedFile = await writePlannedCsv(dir, rows.slice(10), 'interrupted.csv');
      runs.push(
        await runCli(['import', interruptedFile, '--rate', '100', '--concurrency', '2', '--json'], {
          env: envOf(token),
          onSpawn: (child) => {
            const poll = setInterval(() => {
              if (sandbox.inspect.created().length >= 13) {
                clearInterval(poll);
                child.kill('SIGINT');
              }
            }, 10);
          },
        }),
      );
    } finally {
      sandbox.inspect.setFaults({ latencyMs: 0 });
    }
    expect(runs[2]!.code).toBe(130);
    expect((await readdir(dir)).some((n) => n.endsWith('.journal'))).toBe(true);

    const wrongToken = 'wrong-token-' + 'S3cr3t'.repeat(4);
    const rejected = await runCli(['import', failing, '--no-progress'], { env: envOf(wrongToken) });
    expect(rejected.code).toBe(2);
    const envFile = join(dir, 'platform.env');
    await import('node:fs/promises').then((fs) => fs.writeFile(envFile, `PLATFORM_STAFF_TOKEN=${wrongToken}\n`));
    const rejectedFromFile = await runCli(['import', failing, '--env-file', envFile, '--json'], {
      env: { PLATFORM_API_URL: sandbox.mainUrl },
    });
    expect(rejectedFromFile.code).toBe(2);

    const scanned = await expectNoSecretIn(dir, runs, token);
    expect(scanned).toBeGreaterThanOrEqual(8);
    const others = (await readdir(dir)).filter((n) => n !== 'platform.env');
    for (const name of others) expect((await readFile(join(dir, name))).includes(wrongToken), name).toBe(false);
    expect(rejected.stdout + rejected.stderr + rejectedFromFile.stdout + rejectedFromFile.stderr).not.toContain(wrongToken);
  }, 120_000);
});

const FORMULA_CELLS = ['=1+2', '+SUM(A1)', '-2+3', '@cmd', '\t=1', '\r=1', '=HYPERLINK("http://x.test","x")', '\uFF1D1+1'];

describe('cells a spreadsheet would run are written as text', () => {
  async function sheetWithFormulas(dir: string): Promise<string> {
    const rows = creatableRows(FORMULA_CELLS.length, FORMULA_CELLS.length);
    return writeCsv(
      dir,
      'formulas.csv',
      ['Email', 'Package', 'Start', 'Note', 'Other'],
      rows.map((r, i) => [i % 2 === 0 ? FORMULA_CELLS[i]! : r.email, i % 3 === 0 ? FORMULA_CELLS[i]! : r.packageName, r.validFrom, FORMULA_CELLS[i]!, `ok ${i}`]),
    );
  }

  it('prefixes them with an apostrophe in CSV results and the retry sheet', async () => {
    const dir = await tempDir('cp-formula-');
    const run = await runCli(['validate', await sheetWithFormulas(dir), '--no-progress']);
    expect(run.code).toBe(1);
    for (const name of ['formulas.results.csv', 'formulas.retry.csv']) {
      const rows = await readCsvObjects(join(dir, name));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          expect(/^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(value), `${name} ${column}: ${JSON.stringify(value)}`).toBe(false);
        }
      }
      const notes = rows.map((r) => r.Note);
      for (const note of notes) expect(FORMULA_CELLS.map((f) => `'${f}`)).toContain(note);
    }
  });

  it('writes them as string cells, never formula cells, in XLSX results and the retry sheet', async () => {
    const dir = await tempDir('cp-formula-');
    const input = await sheetWithFormulas(dir);
    const run = await runCli(['validate', input, '--no-progress', '--out', join(dir, 'formulas.results.xlsx')]);
    expect(run.code).toBe(1);
    for (const name of ['formulas.results.xlsx', 'formulas.retry.xlsx']) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(join(dir, name));
      let seen = 0;
      wb.eachSheet((ws) =>
        ws.eachRow((row) =>
          row.eachCell((cell) => {
            expect(cell.type, `${name} ${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
            expect(cell.formula, `${name} ${cell.address}`).toBeUndefined();
            if (typeof cell.value === 'string' && FORMULA_CELLS.some((f) => cell.value === f || cell.value === `'${f}`)) seen++;
          }),
        ),
      );
      expect(seen, name).toBeGreaterThanOrEqual(FORMULA_CELLS.length);
      const xml = readableBytes(await readFile(join(dir, name))).map((b) => b.toString('utf8')).join('');
      expect(xml).not.toMatch(/<f[\s>]/);
    }
  });
});

describe('where results and the token may go', () => {
  it.each([
    ['http://api.example.test', undefined],
    [sandbox?.mainUrl ?? 'http://127.0.0.1:9', 'http://fallback.example.test'],
    ['http://localhost.example.test', undefined],
    ['http://127.0.0.1.nip.io', undefined],
    ['http://[::ffff:10.0.0.1]', undefined],
  ])('refuses plain http:// to %s / %s before sending anything', async (apiUrl, fallbackUrl) => {
    const dir = await tempDir('cp-http-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    const before = sandbox.inspect.requests().total;
    const main = apiUrl.startsWith('http://127.0.0.1:9') ? sandbox.mainUrl : apiUrl;
    const error = await runImport({ file, apiUrl: main, fallbackUrl, token: sandbox.tokens.staff }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('INSECURE_URL');
    expect(sandbox.inspect.requests().total).toBe(before);
    const run = await runCli(['import', file, '--api-url', main, ...(fallbackUrl ? ['--fallback-url', fallbackUrl] : [])], {
      env: { PLATFORM_STAFF_TOKEN: sandbox.tokens.staff },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-insecure-http');
    expect(run.stderr).not.toContain(sandbox.tokens.staff);
  });

  it('never writes results over the input, however --out names it', async () => {
    const dir = await tempDir('cp-out-');
    const file = await writePlannedCsv(dir, creatableRows(3));
    await symlink(file, join(dir, 'link.csv'));
    const original = await readFile(file);
    const spellings = [file, join(dir, '.', 'sub', '..', 'import.csv'), join(dir, 'link.csv'), 'import.csv', './import.csv'];
    for (const out of spellings) {
      for (const command of [['validate', file], ['import', file, '--sandbox']]) {
        const run = await runCli([...command, '--out', out, '--no-progress'], { cwd: dir });
        expect(run.code, `${command[0]} --out ${out}: ${run.stderr}`).toBe(2);
        expect(run.stderr).toMatch(/input/i);
        expect((await readFile(file)).equals(original), `--out ${out}`).toBe(true);
      }
    }
    expect((await readdir(dir)).sort()).toEqual(['import.csv', 'link.csv']);
  }, 60_000);
});
