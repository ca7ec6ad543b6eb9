// The --json summary as a script reads it.
import { expect, test } from 'vitest';
import { jsonSummary } from '../../src/cli/report.js';
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
