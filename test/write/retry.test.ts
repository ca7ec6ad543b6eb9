import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { STATUSES } from '../../src/pipeline/types.js';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, outcome, readCsv, readWorkbook, row, scratchFolder, sheetOf, summary, valuesOf } from './helpers.js';

const HEADER = header('Email', 'Plan', 'Start', 'Price');

async function run(inputName: string, statuses: readonly (typeof STATUSES)[number][], head = HEADER) {
  const folder = await scratchFolder();
  const input = join(folder, inputName);
  const target = resultsTarget(input);
  return { folder, target, write: async () => {
    const writer = await openResultsWriter({ target, inputPath: input, header: head, sheetName: 'Members' });
    for (const [index, status] of statuses.entries()) {
      const n = index + 2;
      await writer.write(row(n, `c${n}@x.test`, 'Gold', { kind: 'date', iso: '2025-01-31' }, 10.5), outcome(n, status));
    }
    return writer.finish(summary());
  } };
}

describe('retry file', () => {
  it('holds only the failed, invalid and pending rows, with their original cells and the message', async () => {
    const { target, write } = await run('members.csv', STATUSES);
    const written = await write();
    expect(written.retry).toBe(target.retryPath);
    expect(await readCsv(target.retryPath)).toEqual([
      ['Email', 'Plan', 'Start', 'Price', 'message'],
      ['c5@x.test', 'Gold', '2025-01-31', '10.5', 'invalid row 5'],
      ['c6@x.test', 'Gold', '2025-01-31', '10.5', 'failed row 6'],
      ['c9@x.test', 'Gold', '2025-01-31', '10.5', 'pending row 9'],
    ]);
  });

  it('leaves out a failed row whose create may have been made: only the same command reads it back before sending', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.csv');
    const target = resultsTarget(input);
    const writer = await openResultsWriter({ target, inputPath: input, header: HEADER, sheetName: 'Members' });
    const cells = (n: number) => row(n, `c${n}@x.test`, 'Gold', { kind: 'date', iso: '2025-01-31' }, 10.5);
    await writer.write(cells(2), { ...outcome(2, 'failed'), code: 'OUTCOME_UNKNOWN', message: 'outcome unknown: …' });
    await writer.write(cells(3), { ...outcome(3, 'failed'), code: 'API_UNAVAILABLE' });
    await writer.finish(summary());
    expect((await readCsv(target.retryPath)).map((r) => r[0])).toEqual(['Email', 'c3@x.test']);
    expect((await readCsv(target.resultsPath)).map((r) => r[0])).toEqual(['Email', 'c2@x.test', 'c3@x.test']);
  });

  it('in XLSX keeps date cells as dates and numbers as numbers, under a bold header', async () => {
    const { target, write } = await run('members.xlsx', ['created', 'failed']);
    await write();
    const sheet = sheetOf(await readWorkbook(target.retryPath));
    expect(sheet.name).toBe('Members');
    expect(valuesOf(sheet)).toEqual([
      ['Email', 'Plan', 'Start', 'Price', 'message'],
      ['c3@x.test', 'Gold', '2025-01-31', 10.5, 'failed row 3'],
    ]);
    expect(sheet.getCell('C2').type).toBe(ExcelJS.ValueType.Date);
    expect(sheet.getCell('A1').font?.bold).toBe(true);
  });

  it('is not created when no row needs another try, and one left by an earlier run is removed', async () => {
    const { target, write } = await run('members.csv', ['created', 'skipped', 'duplicate', 'valid']);
    await writeFile(target.retryPath, 'stale\n');
    const written = await write();
    expect(written).toEqual({ results: target.resultsPath });
    expect(existsSync(target.retryPath)).toBe(false);
  });

  it('replaces the message column of a retry file imported again instead of adding another; the results head the earlier one apart', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.retry.csv');
    const target = resultsTarget(input);
    const again = header('Email', 'Plan', 'message');
    const writer = await openResultsWriter({ target, inputPath: input, header: again });
    await writer.write(row(2, 'c2@x.test', 'Gold', 'client not found'), outcome(2, 'failed', { message: 'ambiguous: 2 clients' }));
    await writer.finish(summary());
    expect(await readCsv(target.retryPath)).toEqual([
      ['Email', 'Plan', 'message'],
      ['c2@x.test', 'Gold', 'ambiguous: 2 clients'],
    ]);
    // The results keep the earlier message, headed so that the sheet has one `message` column: this run's.
    const results = await readCsv(target.resultsPath);
    expect(results[0]?.slice(0, 5)).toEqual(['Email', 'Plan', 'earlier message', 'status', 'message']);
    expect(results[0]?.filter((cell) => cell === 'message')).toHaveLength(1);
    expect(results[1]?.slice(0, 5)).toEqual(['c2@x.test', 'Gold', 'client not found', 'failed', 'ambiguous: 2 clients']);
  });

  it.each(['message', 'Message', 'Messages', 'MESSAGE', ' message', 'message '])('keeps a last column of the user’s own named %j in a sheet not named as a retry file, in the results and the retry file', async (name) => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.csv');
    const target = resultsTarget(input);
    const own = header('Email', 'Plan', name);
    const writer = await openResultsWriter({ target, inputPath: input, header: own });
    await writer.write(row(2, 'c2@x.test', 'Gold', 'call before noon'), outcome(2, 'failed', { message: 'client not found' }));
    await writer.finish(summary());
    expect(await readCsv(target.retryPath)).toEqual([
      ['Email', 'Plan', name, 'message'],
      ['c2@x.test', 'Gold', 'call before noon', 'client not found'],
    ]);
    const results = await readCsv(target.resultsPath);
    expect(results[0]?.slice(0, 5)).toEqual(['Email', 'Plan', name, 'status', 'message']);
    expect(results[1]?.slice(0, 5)).toEqual(['c2@x.test', 'Gold', 'call before noon', 'failed', 'client not found']);
  });

  it('keeps a user’s last column named Message in an XLSX retry file too', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.xlsx');
    const target = resultsTarget(input);
    const writer = await openResultsWriter({ target, inputPath: input, header: header('Email', 'Plan', 'Message') });
    await writer.write(row(2, 'c2@x.test', 'Gold', 'call before noon'), outcome(2, 'invalid', { message: 'Start: missing' }));
    await writer.finish(summary());
    expect(valuesOf(sheetOf(await readWorkbook(target.retryPath)))).toEqual([
      ['Email', 'Plan', 'Message', 'message'],
      ['c2@x.test', 'Gold', 'call before noon', 'Start: missing'],
    ]);
  });
});
