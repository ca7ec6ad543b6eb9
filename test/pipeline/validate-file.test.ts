// validate end to end on a sheet: what the results say when the disk gives out under them.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { withDiskFullAfterTwoWrites } from '../helpers/disk-full.js';
import { creatableRows, readCsvObjects, tempDir, writeCsv, writePlannedCsv } from '../helpers/sheets.js';
import { readWorkbook, sheetOf } from '../write/helpers.js';

it('a results file that cannot be written part way through ends validate with a run error naming the folder, and leaves no file', async () => {
  const dir = await tempDir();
  const file = await writePlannedCsv(dir, creatableRows(1500, 50));
  await withDiskFullAfterTwoWrites(async () => {
    await expect(validateFile({ file })).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      message: `Cannot write the results in ${dir}: the disk is full.`,
    });
  });
  expect(await readdir(dir)).toEqual(['import.csv']);
});

it('--sheet on a CSV file is refused as a usage error before anything is written', async () => {
  const dir = await tempDir();
  const file = await writePlannedCsv(dir, creatableRows(2));
  await expect(validateFile({ file, sheet: 'Data' })).rejects.toMatchObject({
    code: 'USAGE',
    message: '--sheet "Data" picks a sheet of an XLSX workbook; import.csv is a CSV file, which has one. Leave --sheet out to read it.',
  });
  expect(await readdir(dir)).toEqual(['import.csv']);
});

it('an XLSX retry file keeps real date cells, and gives text dates whose order came from other rows as the day read', async () => {
  const dir = await tempDir();
  const file = join(dir, 'renew.xlsx');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Members');
  ws.addRow(['Email', 'Plan', 'Start', 'End', 'Price']);
  ws.addRow(['a@b.co', 'Gold', '25/12/2026', null, null]); // settles the file's order: day first
  ws.addRow(['a@b.co', 'Gold', new Date(Date.UTC(2026, 9, 3)), '02/11/2027', 'x']);
  ws.addRow(['c@d.co', 'Gold', '13/10/2026', '03/03/2027', 'x']); // dates that say their own order
  ws.getCell('C3').numFmt = 'dd/mm/yyyy';
  await wb.xlsx.writeFile(file);

  const { files } = await validateFile({ file });
  const retry = sheetOf(await readWorkbook(files.retry!));
  const dates = [2, 3].map((n) => [retry.getRow(n).getCell(3).value, retry.getRow(n).getCell(4).value]);
  expect(dates).toEqual([
    [new Date(Date.UTC(2026, 9, 3)), '2027-11-02'],
    ['13/10/2026', '03/03/2027'],
  ]);
});

it('a retry file gives a date read by --date-format as the day read, so it needs no --date-format again', async () => {
  const dir = await tempDir();
  const file = await writeCsv(dir, 'us.csv', ['Email', 'Plan', 'Start', 'Price'], [['a@b.co', 'Gold', '10/03/2026', 'x']]);
  const { files } = await validateFile({ file, dateFormat: 'MM/DD/YYYY' });
  expect((await readCsvObjects(files.retry!)).map((r) => r.Start)).toEqual(['2026-10-03']);
});

it('results and retry sheets show each number in the format the XLSX input showed it in', async () => {
  const dir = await tempDir();
  const file = join(dir, 'formats.xlsx');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Members');
  ws.addRow(['Email', 'Plan', 'Start', 'Price', 'Discount', 'Arrives', 'Visits']);
  ws.addRow(['a@b.co', 'Gold', '2026-03-01', 1200.5, 0.15, 0.375, 12]); // valid
  ws.addRow(['c@d.co', 'Gold', '2026-02-30', 99, 0.2, 0.5, 3]); // invalid: into the retry sheet
  for (const n of [2, 3]) {
    ws.getCell(`D${n}`).numFmt = '"$"#,##0.00';
    ws.getCell(`E${n}`).numFmt = '0%';
    ws.getCell(`F${n}`).numFmt = 'h:mm AM/PM';
  }
  await wb.xlsx.writeFile(file);

  const { files } = await validateFile({ file });
  const shown = (sheet: ExcelJS.Worksheet, n: number) =>
    [4, 5, 6, 7].map((col) => [sheet.getRow(n).getCell(col).value, sheet.getRow(n).getCell(col).numFmt]);
  const results = sheetOf(await readWorkbook(files.results));
  // exceljs reads a number shown as a time of day back as a Date on 1899-12-30.
  const at = (hours: number) => new Date(Date.UTC(1899, 11, 30, hours));
  expect(shown(results, 2)).toEqual([[1200.5, '"$"#,##0.00'], [0.15, '0%'], [at(9), 'h:mm AM/PM'], [12, undefined]]);
  expect(shown(results, 3)).toEqual([[99, '"$"#,##0.00'], [0.2, '0%'], [at(12), 'h:mm AM/PM'], [3, undefined]]);
  const sourceRow = results.getRow(2).getCell(7 + 8);
  expect([results.getRow(1).getCell(7 + 8).value, sourceRow.value, sourceRow.numFmt]).toEqual(['source_row', 2, undefined]);
  const retry = sheetOf(await readWorkbook(files.retry!));
  expect(shown(retry, 2)).toEqual([[99, '"$"#,##0.00'], [0.2, '0%'], [at(12), 'h:mm AM/PM'], [3, undefined]]);
});
