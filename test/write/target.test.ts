import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, scratchFolder } from './helpers.js';

function runErrorOf(action: () => unknown): RunError {
  try {
    action();
  } catch (error) {
    if (error instanceof RunError) return error;
    throw error;
  }
  throw new Error('expected a RunError');
}

describe('resultsTarget', () => {
  it('puts results and retry beside the input with the same extension', () => {
    expect(resultsTarget('/data/members.xlsx')).toEqual({
      resultsPath: '/data/members.results.xlsx',
      retryPath: '/data/members.retry.xlsx',
      format: 'xlsx',
    });
    expect(resultsTarget('/data/members.csv')).toMatchObject({ resultsPath: '/data/members.results.csv', format: 'csv' });
    expect(resultsTarget('/data/members.tsv')).toMatchObject({ retryPath: '/data/members.retry.tsv', format: 'csv' });
  });

  it('never writes a macro-enabled or unknown extension', () => {
    expect(resultsTarget('/data/members.xlsm').resultsPath).toBe('/data/members.results.xlsx');
    expect(resultsTarget('/data/members').resultsPath).toBe('/data/members.results.csv');
  });

  it('lets --out pick the path and, by its extension, the format; the retry file follows it', () => {
    expect(resultsTarget('/data/members.xlsx', '/out/march.csv')).toEqual({
      resultsPath: '/out/march.csv',
      retryPath: '/out/members.retry.csv',
      format: 'csv',
    });
    expect(resultsTarget('/data/members.csv', '/out/march.XLSX').format).toBe('xlsx');
  });

  it.each(['march.xls', 'march.ods', 'march.XLSM', 'march.numbers'])('refuses --out %s: text under a spreadsheet name it is not would not open', (out) => {
    expect(() => resultsTarget('/data/members.csv', `/out/${out}`)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(`--out ${out}: a `) }),
    );
  });

  it('treats an --out folder as "the usual names, in there"', async () => {
    const folder = await scratchFolder();
    expect(resultsTarget('/data/members.xlsx', folder).resultsPath).toBe(join(folder, 'members.results.xlsx'));
    expect(resultsTarget('/data/members.xlsx', '/not-yet/').resultsPath).toBe('/not-yet/members.results.xlsx');
  });

  it('refuses the input file as the results, however it is spelled', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.csv');
    await writeFile(input, 'client_email\n');
    await mkdir(join(folder, 'sub'));
    await symlink(folder, join(folder, 'link'));

    for (const out of [input, join(folder, 'sub', '..', 'members.csv'), join(folder, 'link', 'members.csv')]) {
      expect(runErrorOf(() => resultsTarget(input, out)).code).toBe('OUTPUT_IS_INPUT');
    }
  });

  it('gives a retry file imported again names of its own', () => {
    expect(resultsTarget('/data/members.retry.csv')).toEqual({
      resultsPath: '/data/members.retry.results.csv',
      retryPath: '/data/members.retry.retry.csv',
      format: 'csv',
    });
  });

  it('refuses results named like the retry file', () => {
    expect(runErrorOf(() => resultsTarget('/data/members.csv', '/data/members.retry.csv')).code).toBe('USAGE');
  });

  it('checks again when the writer opens, for a target built by hand', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.csv');
    await writeFile(input, 'client_email\n');
    const target = { resultsPath: input, retryPath: join(folder, 'x.retry.csv'), format: 'csv' as const };
    await expect(openResultsWriter({ target, inputPath: input, header: header('client_email') })).rejects.toMatchObject({
      code: 'OUTPUT_IS_INPUT',
    });
  });
});
