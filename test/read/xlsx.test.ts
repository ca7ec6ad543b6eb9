import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import type { SourceRow } from '../../src/pipeline/types.js';
import { openSheet, readRawRows } from '../../src/read/index.js';
import { writeXlsx } from './helpers/xlsx-package.js';
import { rawRows } from '../helpers/records.js';
import { refusal } from './helpers/refusal.js';

const CORPUS = '/work/shared/corpus/xlsx';
const dir = mkdtempSync(join(tmpdir(), 'cp-xlsx-'));

const rows = rawRows;

describe('the corpus files read as Excel shows them', () => {
  test('date.xlsx: 1900 date cells, and a duration that stays a number', async () => {
    const read = await rows(`${CORPUS}/date.xlsx`);
    expect(read[0]).toEqual({ sourceRow: 1, cells: [{ kind: 'date', iso: '2021-01-01' }, 15] });
    expect(read[1]?.cells[0]).toEqual({ kind: 'date', iso: '2021-01-02' });
    expect(read[2]?.cells[0]).toBeCloseTo(10.632, 3);
  });

  test('date_1904.xlsx: the 1904 system, written date1904="true", reads the same dates', async () => {
    const read = await rows(`${CORPUS}/date_1904.xlsx`);
    expect(read[0]?.cells[0]).toEqual({ kind: 'date', iso: '2021-01-01' });
    expect(read[1]?.cells[0]).toEqual({ kind: 'date', iso: '2021-01-02' });
  });

  test('pass_protected.xlsx is refused as encrypted', async () => {
    const error = await refusal(rows(`${CORPUS}/pass_protected.xlsx`));
    expect(error.code).toBe('FILE_ENCRYPTED');
    expect(error.message).toContain('password');
  });

  test('errors.xlsx: formula errors are error cells with their text, from the first sheet in tab order', async () => {
    const read = await rows(`${CORPUS}/errors.xlsx`);
    expect(read.map((r) => r.cells[0])).toEqual(
      ['#DIV/0!', '#NAME?', '#VALUE!', '#NULL!', '#REF!', '#NUM!', '#N/A'].map((text) => ({ kind: 'error', text })),
    );
    expect(read.map((r) => r.sourceRow)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('richtext-namespaced.xlsx: x:-prefixed XML, inline and shared strings as text', async () => {
    const read = await rows(`${CORPUS}/richtext-namespaced.xlsx`);
    expect(read).toEqual([
      { sourceRow: 1, cells: ['inline string\nLine 2\nLine 3', null, null, null, null, null, null, 'shared string\nLine 2\nLine 3'] },
    ]);
  });

  test('hyperlinks.xlsx: hyperlink cells are their text; sheets named through absolute targets', async () => {
    const read = await rows(`${CORPUS}/hyperlinks.xlsx`);
    expect(read[0]?.cells).toEqual(['calamine repo', 'mail link']);
    expect(read.map((r) => r.cells[0])).toContain('Rust Programming Language');
    expect(await rows(`${CORPUS}/hyperlinks.xlsx`, 'Sheet2')).toEqual([{ sourceRow: 5, cells: [null, 'target cell'] }]);
  });

  test('merge_cells.xlsx: the value sits in the first cell of a merge, the rest are empty', async () => {
    expect(await rows(`${CORPUS}/merge_cells.xlsx`)).toEqual([
      { sourceRow: 1, cells: ['Row Merge', null, 'Not Merged'] },
      { sourceRow: 2, cells: ['Column Merge', 'Chunk Merged'] },
    ]);
  });

  test('header-row.xlsx: rows keep the numbers Excel shows, blank rows are skipped', async () => {
    expect(await rows(`${CORPUS}/header-row.xlsx`)).toEqual([
      { sourceRow: 3, cells: [null, null, 'Note 1'] },
      { sourceRow: 9, cells: ['Columns', 'Column A', 'Column B', 'Column C'] },
      { sourceRow: 10, cells: ['put data here', 1, 2, 3] },
    ]);
  });
});

describe('sheets', () => {
  test('--sheet picks a sheet by name, also ignoring case; a missing one lists the names', async () => {
    expect((await rows(`${CORPUS}/hyperlinks.xlsx`, 'sheet2'))[0]?.cells).toEqual([null, 'target cell']);
    const error = await refusal(rows(`${CORPUS}/errors.xlsx`, 'Data'));
    expect(error.code).toBe('SHEET_NOT_FOUND');
    expect(error.message).toBe('errors.xlsx has no sheet named "Data". Its sheets are: "Feuil1", "Feuil2", "Feuil3".');
  });

  test('no header on the sheet read: the error names the workbook\'s other sheets and --sheet', async () => {
    const row = (r: number, ...texts: string[]) =>
      `<row r="${r}">${texts.map((t, i) => `<c r="${String.fromCharCode(65 + i)}${r}" t="inlineStr"><is><t>${t}</t></is></c>`).join('')}</row>`;
    const instructions = row(1, 'How to fill in this workbook') + row(2, 'One row per client, on the Data sheet');
    const data = row(1, 'Email', 'Package', 'Start') + row(2, 'a@b.co', 'Gold', '2025-01-01');

    const two = join(dir, 'instructions-first.xlsx');
    writeXlsx(two, { sheets: ['Instructions', 'Data'], sheet: instructions, laterSheets: [data] });
    const error = await refusal(openSheet(two));
    expect(error.code).toBe('NO_HEADER');
    expect(error.message).toContain('No header row found in instructions-first.xlsx (sheet "Instructions")');
    expect(error.message).toContain('The workbook has another sheet, "Data". If the data is on it, pass --sheet NAME, e.g. --sheet "Data".');
    const chosen = await openSheet(two, { sheet: 'Data' });
    expect(chosen.columns.fields).toEqual({ client_email: 0, package_name: 1, valid_from: 2 });
    await chosen.close();

    const three = join(dir, 'instructions-three.xlsx');
    writeXlsx(three, { sheets: ['Instructions', 'Data', 'Lists'], sheet: instructions, laterSheets: [data] });
    expect((await refusal(openSheet(three))).message).toContain(
      'The workbook has other sheets: "Data", "Lists". If the data is on one of them, pass --sheet NAME, e.g. --sheet "Data".',
    );

    const alone = join(dir, 'instructions-alone.xlsx');
    writeXlsx(alone, { sheet: instructions });
    expect((await refusal(openSheet(alone))).message).not.toContain('--sheet');
  });

  test('openSheet reports the sheet it read', async () => {
    const path = join(dir, 'named.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Renewals').addRows([['Email', 'Package', 'Start'], ['a@b.co', 'Gold', '2025-01-01']]);
    await wb.xlsx.writeFile(path);
    const sheet = await openSheet(path);
    expect(sheet.format).toBe('xlsx');
    expect(sheet.sheetName).toBe('Renewals');
    await sheet.close();
  });
});

describe('cells written by exceljs read back as written', () => {
  test('dates, times, numbers, booleans, formulas, rich text, hyperlinks, errors', async () => {
    const path = join(dir, 'cells.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Data');
    ws.getCell('A1').value = new Date(Date.UTC(2025, 0, 15));
    ws.getCell('A1').numFmt = 'dd/mm/yyyy';
    ws.getCell('B1').value = new Date(Date.UTC(2025, 0, 15, 13, 45, 30));
    ws.getCell('B1').numFmt = 'yyyy-mm-dd hh:mm:ss';
    ws.getCell('C1').value = 1200.5;
    ws.getCell('D1').value = true;
    ws.getCell('E1').value = { formula: 'C1*2', result: 2401 };
    ws.getCell('F1').value = { formula: 'A1+1', result: 45673 };
    ws.getCell('F1').numFmt = 'yyyy-mm-dd';
    ws.getCell('G1').value = { richText: [{ text: 'Gold ' }, { font: { bold: true }, text: '10-Pack' }] };
    ws.getCell('H1').value = { text: 'mail me', hyperlink: 'mailto:a@b.co' };
    ws.getCell('I1').value = { error: '#N/A' };
    ws.getCell('J1').value = { formula: 'D1', result: false };
    ws.getCell('K1').value = { formula: 'CONCAT("a","b")', result: 'ab' };
    ws.getCell('L1').value = "'=SUM(A1)";
    ws.getCell('A3').value = 'after a blank row';
    ws.getCell('Z10').value = null;
    await wb.xlsx.writeFile(path);
    expect(await rows(path)).toEqual([
      {
        sourceRow: 1,
        cells: [
          { kind: 'date', iso: '2025-01-15' },
          { kind: 'date', iso: '2025-01-15', time: '13:45:30' },
          1200.5,
          true,
          2401,
          { kind: 'date', iso: '2025-01-16' },
          'Gold 10-Pack',
          'mail me',
          { kind: 'error', text: '#N/A' },
          false,
          'ab',
          '=SUM(A1)',
        ],
      },
      { sourceRow: 3, cells: ['after a blank row'] },
    ]);
  });

  test('a 1904-system workbook written by exceljs', async () => {
    const path = join(dir, 'w1904.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = true;
    const ws = wb.addWorksheet('S');
    ws.getCell('A1').value = new Date(Date.UTC(2024, 1, 29));
    ws.getCell('A1').numFmt = 'yyyy-mm-dd';
    await wb.xlsx.writeFile(path);
    expect((await rows(path))[0]?.cells).toEqual([{ kind: 'date', iso: '2024-02-29' }]);
  });
});

describe('XML from other writers', () => {
  test('cells and rows without references are numbered as they come', async () => {
    const path = join(dir, 'norefs.xlsx');
    writeXlsx(path, {
      sheet: '<row><c t="inlineStr"><is><t>Email</t></is></c><c t="inlineStr"><is><t>Plan</t></is></c></row><row/><row><c><v>1</v></c><c r="D3"><v>4</v></c><c><v>5</v></c></row>',
    });
    expect(await rows(path)).toEqual([
      { sourceRow: 1, cells: ['Email', 'Plan'] },
      { sourceRow: 3, cells: [1, null, null, 4, 5] },
    ]);
  });

  test('inline rich text keeps every run; phonetic guides are not text', async () => {
    const path = join(dir, 'inline.xlsx');
    writeXlsx(path, {
      sheet: '<row r="1"><c r="A1" t="inlineStr"><is><r><t>Gold </t></r><r><rPr><b/></rPr><t>10-Pack</t></r></is></c><c r="B1" t="s"><v>0</v></c></row>',
      sharedStrings: `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si></sst>`,
    });
    expect((await rows(path))[0]?.cells).toEqual(['Gold 10-Pack', '東京']);
  });

  test('formula results: strings, booleans, errors and shared formulas by their cached value; one without a value is never calculated', async () => {
    const path = join(dir, 'formulas.xlsx');
    writeXlsx(path, {
      numFmts: ['yyyy-mm-dd'],
      sheet:
        '<row r="1"><c r="A1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="B1" t="b"><f>1&gt;0</f><v>1</v></c>' +
        '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" s="1"><f t="shared" ref="D1:D2" si="0">45000+1</f><v>45001</v></c></row>' +
        '<row r="2"><c r="D2" s="1"><f t="shared" si="0"/><v>45002</v></c><c r="E2"><f>NOW()</f></c></row>',
    });
    expect(await rows(path)).toEqual([
      { sourceRow: 1, cells: ['ab', true, { kind: 'error', text: '#DIV/0!' }, { kind: 'date', iso: '2023-03-16' }] },
      { sourceRow: 2, cells: [null, null, null, { kind: 'date', iso: '2023-03-17' }, { kind: 'error', text: '(formula never calculated)', uncalculated: true }] },
    ]);
  });

  test('dates in custom formats, elapsed times and plain numbers are told apart', async () => {
    const path = join(dir, 'formats.xlsx');
    writeXlsx(path, {
      numFmts: ['[$-409]d mmmm yyyy;@', '[h]:mm:ss', '0.00 "days"', 'h:mm AM/PM', '0.00E+00'],
      sheet: '<row r="1"><c r="A1" s="1"><v>45672</v></c><c r="B1" s="2"><v>1.5</v></c><c r="C1" s="3"><v>2</v></c><c r="D1" s="4"><v>0.5</v></c><c r="E1" s="5"><v>12000</v></c></row>',
    });
    expect((await rows(path))[0]?.cells).toEqual([{ kind: 'date', iso: '2025-01-15' }, 1.5, 2, 0.5, 12000]);
  });

  test('an empty sheet is refused as empty', async () => {
    const path = join(dir, 'empty-sheet.xlsx');
    writeXlsx(path, { sheet: '' });
    const error = await refusal(openSheet(path));
    expect(error.code).toBe('FILE_EMPTY');
    expect(error.message).toContain('sheet "Sheet1"');
  });

  test('an empty first sheet names the other sheets and how to pick one', async () => {
    const path = join(dir, 'cover-sheet.xlsx');
    const data = '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row>';
    writeXlsx(path, { sheet: '', sheets: ['Cover', 'Members', 'Notes'], laterSheets: [data, ''] });
    const error = await refusal(openSheet(path));
    expect(error.code).toBe('FILE_EMPTY');
    expect(error.message).toBe(
      'cover-sheet.xlsx (sheet "Cover") has no rows with anything in them.\n' +
        'The workbook has other sheets: "Members", "Notes". If the data is on one of them, pass --sheet NAME, e.g. --sheet "Members".',
    );
  });
});

describe('damaged workbooks fail cleanly', () => {
  test('a truncated file is FILE_CORRUPT, never a crash', async () => {
    const whole = readFileSync(`${CORPUS}/header-row.xlsx`);
    for (const cut of [100, Math.floor(whole.length / 2), whole.length - 10]) {
      const path = join(dir, `cut-${cut}.xlsx`);
      writeFileSync(path, whole.subarray(0, cut));
      const error = await refusal(rows(path));
      expect(error.code).toBe('FILE_CORRUPT');
    }
  });

  test('damaged compressed data is FILE_CORRUPT', async () => {
    const whole = Buffer.from(readFileSync(`${CORPUS}/merge_cells.xlsx`));
    // Overwrite the middle of the file, where the compressed parts are, keeping the directory at the end.
    for (let i = 400; i < 1400; i++) whole[i] = (whole[i] ?? 0) ^ 0x5a;
    const path = join(dir, 'garbled.xlsx');
    writeFileSync(path, whole);
    const error = await refusal(rows(path));
    expect(['FILE_CORRUPT', 'UNKNOWN_FORMAT']).toContain(error.code);
  });

  test('malformed sheet XML is FILE_CORRUPT', async () => {
    const path = join(dir, 'badxml.xlsx');
    writeXlsx(path, { sheet: '<row r="1"><c r="A1"><v>1</v></row></sheetData>' });
    const error = await refusal(rows(path));
    expect(error.code).toBe('FILE_CORRUPT');
  });
});

describe('large workbooks stream, and close() stops them', () => {
  const path = join(dir, 'large.xlsx');

  test('a sheet written by exceljs streaming writer reads every row', async () => {
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true });
    const ws = writer.addWorksheet('Big');
    ws.addRow(['Email', 'Package', 'Start Date', 'Price']).commit();
    for (let i = 1; i <= 20_000; i++) {
      const row = ws.addRow([`u${i}@example.com`, 'Gold', new Date(Date.UTC(2025, 0, 1 + (i % 300))), i / 4]);
      row.getCell(3).numFmt = 'yyyy-mm-dd';
      row.commit();
    }
    ws.commit();
    await writer.commit();
    const sheet = await openSheet(path);
    let count = 0;
    let last: SourceRow | undefined;
    for await (const row of sheet.rows) {
      count++;
      last = row;
    }
    await sheet.close();
    expect(count).toBe(20_000);
    expect(last).toEqual({ sourceRow: 20_001, cells: ['u20000@example.com', 'Gold', { kind: 'date', iso: '2025-07-20' }, 5000] });
  }, 60_000);

  test('stopping after a few rows, closing twice, or never iterating leaves nothing running', async () => {
    const early = await openSheet(path);
    let seen = 0;
    for await (const _ of early.rows) if (++seen === 3) break;
    await early.close();
    await early.close();
    expect(seen).toBe(3);
    const untouched = await openSheet(path);
    await untouched.close();
    const raw = readRawRows(path);
    await raw.next();
    await raw.return(undefined);
  });
});
