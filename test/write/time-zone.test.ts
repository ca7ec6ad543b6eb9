// Date cells must keep their calendar date on a machine west of UTC, where a careless Date turns
// 2025-01-01 into 2024-12-31. The check runs this file again in a child process whose TZ is set
// before anything runs, as on a user's machine, then reads the files it wrote here too.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DateCell } from '../../src/pipeline/types.js';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, outcome, readCsv, readWorkbook, row, scratchFolder, sheetOf, summary, xlsxPart } from './helpers.js';

const CHILD_FOLDER = process.env.WRITE_TZ_CHILD_FOLDER;

// 1900-03-01 is the first day Excel's serial numbers count right; 2025-03-09 and 2025-11-02 are the
// days Los Angeles changes its clocks. The serials are what Excel itself stores for these days.
const DATES: readonly { cell: DateCell; serial: string }[] = [
  { cell: { kind: 'date', iso: '2025-01-01' }, serial: '45658' },
  { cell: { kind: 'date', iso: '2024-02-29' }, serial: '45351' },
  { cell: { kind: 'date', iso: '2025-03-09' }, serial: '45725' },
  { cell: { kind: 'date', iso: '2025-11-02' }, serial: '45963' },
  { cell: { kind: 'date', iso: '1900-03-01' }, serial: '61' },
  { cell: { kind: 'date', iso: '2025-12-31', time: '23:30:00' }, serial: '46022.97916666667' },
];

async function writeDates(folder: string, ext: 'xlsx' | 'csv'): Promise<string> {
  const input = join(folder, `dates.${ext}`);
  const writer = await openResultsWriter({ target: resultsTarget(input), inputPath: input, header: header('valid_from') });
  for (const [index, { cell }] of DATES.entries()) await writer.write(row(index + 2, cell), outcome(index + 2, 'valid'));
  return (await writer.finish(summary())).results;
}

async function expectSameDays(folder: string): Promise<void> {
  const xlsx = join(folder, 'dates.results.xlsx');
  const sheet = sheetOf(await readWorkbook(xlsx));
  const xml = await xlsxPart(xlsx, 'xl/worksheets/sheet1.xml');
  DATES.forEach(({ cell, serial }, index) => {
    const value = sheet.getCell(index + 2, 1).value as Date;
    expect(value.toISOString()).toBe(`${cell.iso}T${cell.time ?? '00:00:00'}.000Z`);
    expect(xml).toMatch(new RegExp(`<c r="A${index + 2}" s="\\d+"><v>${serial.replace('.', '\\.')}</v>`));
  });
  const rows = await readCsv(join(folder, 'dates.results.csv'));
  expect(rows.slice(1).map((r) => r[0])).toEqual(DATES.map(({ cell }) => (cell.time ? `${cell.iso} ${cell.time}` : cell.iso)));
}

describe.runIf(CHILD_FOLDER)('in the child, under TZ=America/Los_Angeles', () => {
  it('writes and reads back the same calendar days', async () => {
    expect(new Date(Date.UTC(2025, 0, 1)).getTimezoneOffset()).toBe(480);
    const folder = CHILD_FOLDER ?? '';
    await writeDates(folder, 'xlsx');
    await writeDates(folder, 'csv');
    await expectSameDays(folder);
  });
});

describe.skipIf(CHILD_FOLDER)('dates under another time zone', () => {
  it('are the same calendar days when written in Los Angeles and read here', async () => {
    const folder = await scratchFolder();
    const vitest = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');
    const child = spawn(process.execPath, [vitest, 'run', fileURLToPath(import.meta.url)], {
      env: { ...process.env, TZ: 'America/Los_Angeles', WRITE_TZ_CHILD_FOLDER: folder, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code, output).toBe(0);
    expect(output).toMatch(/1 passed/);
    await expectSameDays(folder);
  });

  it('are the same calendar days when written in this process', async () => {
    const folder = await scratchFolder();
    await writeDates(folder, 'xlsx');
    await writeDates(folder, 'csv');
    await expectSameDays(folder);
  });
});
