import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { writeTemplate } from '../../src/write/template.js';
import { readCsv, readWorkbook, scratchFolder, sheetOf, valuesOf } from './helpers.js';

const COMMITTED = fileURLToPath(new URL('../../templates/', import.meta.url));
const HEADERS = ['client_email', 'package_name', 'valid_from', 'valid_until', 'price', 'conversation_id', 'client_id', 'package_id'];

/** What a person sees in a workbook, cell by cell: values, notes, formats, bold, validations, widths. */
function contentOf(workbook: ExcelJS.Workbook): unknown {
  return workbook.worksheets.map((sheet) => {
    const cells: unknown[] = [];
    sheet.eachRow({ includeEmpty: true }, (row) => {
      row.eachCell({ includeEmpty: true }, (cell) => {
        cells.push([cell.address, cell.value instanceof Date ? cell.value.toISOString() : cell.value, cell.note, cell.numFmt, cell.font?.bold]);
      });
    });
    const validations = (sheet as unknown as { dataValidations: { model: Record<string, unknown> } }).dataValidations.model;
    return {
      name: sheet.name,
      cells,
      views: sheet.views,
      widths: sheet.columns.map((column) => column.width),
      validations: { C2: validations.C2, D2: validations.D2, C10001: validations.C10001, C10002: validations.C10002 },
    };
  });
}

describe('XLSX template', () => {
  it('has the columns, a note on each header, one example row with date cells, and a Notes sheet', async () => {
    const folder = await scratchFolder();
    const path = await writeTemplate({ format: 'xlsx', out: join(folder, 'mine.xlsx') });
    expect(path).toBe(join(folder, 'mine.xlsx'));
    const workbook = await readWorkbook(path);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Packages', 'Notes']);
    const sheet = sheetOf(workbook);
    expect(valuesOf(sheet)).toEqual([HEADERS, ['jane.doe@example.com', 'Platinum Annual', '2025-01-01', '2025-12-31', 1200.5, null, null, null]]);
    HEADERS.forEach((name, index) => {
      const cell = sheet.getRow(1).getCell(index + 1);
      expect(cell.font?.bold).toBe(true);
      expect(String(cell.note)).toContain(name);
    });
    expect(String(sheet.getCell('C1').note)).toMatch(/YYYY-MM-DD.*--date-format/s);
    expect(String(sheet.getCell('E1').note)).toMatch(/\$1,200\.50.*Empty: the package's own price/s);
    expect(String(sheet.getCell('G1').note)).toMatch(/instead of client_email/);
    for (const address of ['C2', 'D2']) {
      expect(sheet.getCell(address).type).toBe(ExcelJS.ValueType.Date);
      expect(sheet.getCell(address).numFmt).toBe('yyyy-mm-dd');
    }
    // Dates checked on the rows a person types into.
    const validation = sheet.getCell('D500').dataValidation;
    expect(validation).toMatchObject({ type: 'date', showErrorMessage: true });
    expect(validation.error).toMatch(/2025-01-31/);
    expect(sheet.getCell('A500').dataValidation).toBeUndefined();
    // Ids typed later stay text: the column's own format.
    expect(sheet.getColumn(7).numFmt).toBe('@');
    expect(valuesOf(sheetOf(workbook, 1)).flat().join(' ')).toMatch(/Row 2 of the first sheet is an example/);
  });
});

describe('CSV template', () => {
  it('is the header and the example row, with a byte-order mark', async () => {
    const folder = await scratchFolder();
    const path = await writeTemplate({ format: 'csv', out: join(folder, 'mine.csv') });
    expect([...(await readFile(path)).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(await readCsv(path)).toEqual([HEADERS, ['jane.doe@example.com', 'Platinum Annual', '2025-01-01', '2025-12-31', '1200.50', '', '', '']]);
  });
});

describe('writeTemplate', () => {
  it('never overwrites an existing file', async () => {
    const folder = await scratchFolder();
    const path = join(folder, 'filled-in.xlsx');
    await writeFile(path, 'a template someone filled in');
    await expect(writeTemplate({ format: 'xlsx', out: path })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(await readFile(path, 'utf8')).toBe('a template someone filled in');
  });

  it('refuses a name whose extension says the other format', async () => {
    const folder = await scratchFolder();
    await expect(writeTemplate({ format: 'xlsx', out: join(folder, 'x.csv') })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('writes ./client-packages-template.<ext> by default', async () => {
    const folder = await scratchFolder();
    const before = process.cwd();
    process.chdir(folder);
    try {
      expect(await writeTemplate({ format: 'csv' })).toBe(join(process.cwd(), 'client-packages-template.csv'));
    } finally {
      process.chdir(before);
    }
  });
});

// `UPDATE_TEMPLATES=1 npx vitest run test/write/template.test.ts` rewrites the committed files.
describe('committed templates', () => {
  it.each(['xlsx', 'csv'] as const)('templates/client-packages-template.%s is what writeTemplate writes', async (format) => {
    const committed = join(COMMITTED, `client-packages-template.${format}`);
    const folder = await scratchFolder();
    const fresh = await writeTemplate({ format, out: join(folder, `fresh.${format}`) });
    if (process.env.UPDATE_TEMPLATES === '1') await writeFile(committed, await readFile(fresh));
    if (format === 'csv') {
      expect(await readFile(committed, 'utf8')).toBe(await readFile(fresh, 'utf8'));
    } else {
      expect(contentOf(await readWorkbook(committed))).toEqual(contentOf(await readWorkbook(fresh)));
    }
  });
});
