// The --json summary as a script reads it.
import { expect, test, vi } from 'vitest';
import { jsonSummary, printResult } from '../../src/cli/report.js';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { tempDir, writeCsv } from '../helpers/sheets.js';
import { summary } from '../write/helpers.js';

const files = { results: '/data/members.results.xlsx' };

test('prices that name no currency are a field of their own, never an empty currency key', async () => {
  const dir = await tempDir();
  const file = await writeCsv(dir, 'prices.csv', ['Email', 'Package', 'Start', 'Price'], [
    ['a@b.co', 'Gold', '2025-01-01', '1200.50'],
    ['c@d.co', 'Gold', '2025-01-01', '$10'],
  ]);
  const json = JSON.parse(JSON.stringify(jsonSummary(await validateFile({ file }))));
  expect(json).toMatchObject({ createdTotal: {}, sheetTotal: { USD: '10' }, sheetTotalNoCurrency: '1200.5' });
  expect(json).not.toHaveProperty('createdTotalNoCurrency');
});

test('createdTotal the same way; with every price in a currency there is no such field', () => {
  const mixed = jsonSummary({ summary: summary({ createdTotal: { '': '3', EUR: '5' }, sheetTotal: { '': '4', EUR: '5' } }), files });
  expect(mixed).toMatchObject({ createdTotal: { EUR: '5' }, createdTotalNoCurrency: '3', sheetTotal: { EUR: '5' }, sheetTotalNoCurrency: '4' });
  const priced = jsonSummary({ summary: summary({ createdTotal: { USD: '1' }, sheetTotal: { USD: '2', constructor: '7' } }), files });
  expect(priced.createdTotal).toEqual({ USD: '1' });
  expect(priced.sheetTotal).toEqual({ USD: '2', constructor: '7' });
  expect(Object.keys(priced).filter((key) => key.endsWith('NoCurrency'))).toEqual([]);
});

/** The text summary's lines, as printed. */
function printedLines(result: Parameters<typeof printResult>[0]): string[] {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    printResult(result, false);
    return String(write.mock.calls[0]?.[0]).split('\n');
  } finally {
    write.mockRestore();
  }
}

const firstLine = (result: Parameters<typeof printResult>[0]): string => printedLines(result)[0]!;

test('after a stop, the retry file is for after the resume: its pending rows are the resume\'s to send', () => {
  const withRetry = { ...files, retry: '/data/members.retry.xlsx' };
  const stopped = printedLines({ summary: { ...summary({ rows: 3 }), interrupted: true }, files: withRetry });
  expect(stopped).toContain('Retry:   /data/members.retry.xlsx (once the resume below has finished, the rows still to fix)');
  expect(stopped).toContain('Interrupted: run the same command again to resume; rows already done are not sent again.');
  const finished = printedLines({ summary: summary({ rows: 3 }), files: withRetry });
  expect(finished).toContain('Retry:   /data/members.retry.xlsx (the rows to fix and import again)');
});

test('a dry run is said to have checked the rows, not imported them: it created nothing', () => {
  const counts = { ...summary().counts, would_create: 3 };
  const dry = summary({ rows: 3, counts, options: { 'dry-run': 'yes' } });
  expect(firstLine({ summary: dry, files })).toBe('Checked 3 rows of /data/members.xlsx in 65.0 s (dry run: nothing created)');
  const stopped = firstLine({ summary: { ...dry, interrupted: true }, files });
  expect(stopped).toBe('Stopped after 3 rows of /data/members.xlsx in 65.0 s (dry run: nothing created)');
  expect(firstLine({ summary: summary({ rows: 3 }), files })).toBe('Imported 3 rows of /data/members.xlsx in 65.0 s');
});
