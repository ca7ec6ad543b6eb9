import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { RESULT_COLUMNS, STATUSES, type Status } from '../../src/pipeline/types.js';
import { readRawRows } from '../../src/read/index.js';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, outcome, readWorkbook, row, scratchFolder, sheetOf, summary, valuesOf, xlsxPart } from './helpers.js';

const HEADER = header('client_email', 'package_name', 'valid_from', 'price', 'active', 'note');

/** Writes the rows to `<folder>/members.results.xlsx` and opens the file again. */
async function writeResults(rows: [ReturnType<typeof row>, ReturnType<typeof outcome>][], extra = summary()) {
  const folder = await scratchFolder();
  const input = join(folder, 'members.xlsx');
  const target = resultsTarget(input);
  const writer = await openResultsWriter({ target, inputPath: input, header: HEADER, sheetName: 'Members' });
  for (const [r, o] of rows) await writer.write(r, o);
  const written = await writer.finish(extra);
  return { written, workbook: await readWorkbook(written.results) };
}

describe('XLSX results', () => {
  it('keeps the original header and cells with their types, then the result columns', async () => {
    const { workbook } = await writeResults([
      [
        row(2, 'ana@example.com', 'Gold', { kind: 'date', iso: '2025-01-31' }, 1200.5, true, null),
        outcome(2, 'created', { resolvedClientId: 'c1', resolvedPackageId: 'p1', clientPackageId: 'cp1', httpStatus: 201, attempts: 1 }),
      ],
      [row(3, 'bo@example.com', 'Gold', { kind: 'error', text: '#N/A' }), outcome(3, 'invalid', { message: 'valid_from: "#N/A" is not a date' })],
    ]);
    const sheet = sheetOf(workbook);
    expect(sheet.name).toBe('Members');
    expect(valuesOf(sheet)).toEqual([
      [...HEADER.cells, ...RESULT_COLUMNS],
      ['ana@example.com', 'Gold', '2025-01-31', 1200.5, true, null, 'created', 'created row 2', 'c1', 'p1', 'cp1', 201, 1, 2],
      ['bo@example.com', 'Gold', '#N/A', null, null, null, 'invalid', 'valid_from: "#N/A" is not a date', null, null, null, null, null, 3],
    ]);
    const date = sheet.getCell('C2');
    expect(date.type).toBe(ExcelJS.ValueType.Date);
    expect(date.numFmt).toBe('yyyy-mm-dd');
    expect(sheet.getCell('D2').type).toBe(ExcelJS.ValueType.Number);
    expect(sheet.getCell('E2').type).toBe(ExcelJS.ValueType.Boolean);
    expect(sheet.getCell('C3').type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getCell('L2').type).toBe(ExcelJS.ValueType.Number);
  });

  it('keeps a date with a time of day, and writes a date Excel cannot hold as its text', async () => {
    const { workbook } = await writeResults([
      [row(2, 'a@x.test', 'Gold', { kind: 'date', iso: '2025-03-30', time: '02:30:00' }), outcome(2, 'valid')],
      [row(3, 'b@x.test', 'Gold', { kind: 'date', iso: '1899-12-31' }), outcome(3, 'valid')],
    ]);
    const sheet = sheetOf(workbook);
    expect((sheet.getCell('C2').value as Date).toISOString()).toBe('2025-03-30T02:30:00.000Z');
    expect(sheet.getCell('C2').numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(sheet.getCell('C3').value).toBe('1899-12-31');
  });

  it('pads short rows to the header and puts the cells of a long row after source_row', async () => {
    const { workbook } = await writeResults([
      [row(2, 'a@x.test'), outcome(2, 'invalid')],
      [row(3, 'b@x.test', 'Gold', '2025-01-01', 10, false, 'n', 'extra 1', 'extra 2'), outcome(3, 'valid')],
    ]);
    const values = valuesOf(sheetOf(workbook));
    expect(values[1]).toEqual(['a@x.test', null, null, null, null, null, 'invalid', 'invalid row 2', null, null, null, null, null, 2]);
    expect(values[2]?.slice(13)).toEqual([3, 'extra 1', 'extra 2']);
    expect(values[0]).toHaveLength(14);
  });

  it('has a bold, frozen header and an autofilter over every row and column', async () => {
    const { workbook, written } = await writeResults([
      [row(2, 'a@x.test'), outcome(2, 'valid')],
      [row(3, 'b@x.test', 'Gold', null, null, null, null, 'extra'), outcome(3, 'valid')],
    ]);
    const sheet = sheetOf(workbook);
    for (let column = 1; column <= 14; column++) expect(sheet.getRow(1).getCell(column).font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBe('A1:O3');
    // The name LibreOffice needs to show the filter buttons, scoped to this sheet.
    expect(await xlsxPart(written.results, 'xl/workbook.xml')).toContain(
      '<definedName name="_xlnm._FilterDatabase" localSheetId="0">&apos;Members&apos;!$A$1:$O$3</definedName>',
    );
  });

  it('colours each status: greens, reds, amber, grey', async () => {
    const { workbook } = await writeResults(STATUSES.map((status, index) => [row(index + 2, 'a@x.test'), outcome(index + 2, status)]));
    const sheet = sheetOf(workbook);
    const fillOf = (status: Status): string => {
      const cell = sheet.getCell(STATUSES.indexOf(status) + 2, 7);
      expect(cell.value).toBe(status);
      const fill = cell.fill as ExcelJS.FillPattern;
      return fill.fgColor?.argb ?? '';
    };
    const green = (argb: string) => expect(Number.parseInt(argb.slice(4, 6), 16)).toBeGreaterThan(Number.parseInt(argb.slice(2, 4), 16));
    for (const status of ['created', 'skipped', 'would_create', 'valid'] as const) green(fillOf(status));
    expect(fillOf('failed')).toBe('FFFFC7CE');
    expect(fillOf('invalid')).toBe('FFFFC7CE');
    expect(fillOf('duplicate')).toBe('FFFFEB9C');
    expect(fillOf('pending')).toBe('FFD9D9D9');
    expect(new Set(['created', 'skipped', 'would_create', 'valid'].map((s) => fillOf(s as Status))).size).toBe(4);
    // Only the status cells: the cells beside them keep no fill.
    expect(sheet.getCell('A2').fill).toBeUndefined();
    expect(sheet.getCell('H2').fill).toBeUndefined();
  });

  it('writes formula-looking text as plain string cells, never formulas', async () => {
    const texts = ['=HYPERLINK("http://evil.test","click")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1)', '=1+1'];
    const { workbook } = await writeResults(
      texts.map((text, index) => [row(index + 2, text), outcome(index + 2, 'failed', { message: text })]),
    );
    const sheet = sheetOf(workbook);
    texts.forEach((text, index) => {
      for (const cell of [sheet.getCell(index + 2, 1), sheet.getCell(index + 2, 8)]) {
        expect(cell.type).toBe(ExcelJS.ValueType.String);
        expect(cell.value).toBe(text);
        // Text format: still text after someone edits the cell in Excel.
        expect(cell.numFmt).toBe('@');
      }
    });
  });

  it('adds a Summary sheet with counts, totals, times, files, URLs and options', async () => {
    const counts = { created: 3, skipped: 1, duplicate: 0, invalid: 2, failed: 1, would_create: 0, valid: 0, pending: 0 };
    const { workbook } = await writeResults([], summary({
      counts,
      rows: 7,
      createdTotal: { USD: '3600.5', EUR: '12345678901234567.89' },
      sheetTotal: { USD: '4801', EUR: '12345678901234567.89', '': '10' },
      options: { concurrency: '4', 'dry-run': 'no', 'staff-token': 'never written' },
      interrupted: true,
    }));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Members', 'Summary']);
    const lines = valuesOf(sheetOf(workbook, 1));
    const line = (label: string) => lines.find((l) => l[0] === label);
    for (const status of STATUSES) expect(line(status)).toEqual([status, counts[status]]);
    expect(lines.findIndex((l) => l[0] === 'created')).toBeLessThan(lines.findIndex((l) => l[0] === 'pending'));
    expect(line('rows total')).toEqual(['rows total', 7]);
    expect(line('USD')).toEqual(['USD', 3600.5, 4801]);
    // Too many digits for a double: kept exact as text.
    expect(line('EUR')).toEqual(['EUR', '12345678901234567.89', '12345678901234567.89']);
    expect(line('(no currency)')).toEqual(['(no currency)', 0, 10]);
    expect(line('started')).toEqual(['started', '2025-03-01T10:00:00.000Z']);
    expect(line('finished')).toEqual(['finished', '2025-03-01T10:01:05.000Z']);
    expect(line('time taken')).toEqual(['time taken', '1 min 05 s']);
    expect(line('input file')).toEqual(['input file', '/data/members.xlsx']);
    expect(line('sheet')).toEqual(['sheet', 'Members']);
    expect(line('API URL')).toEqual(['API URL', 'https://api.example-platform.test']);
    expect(line('fallback URL')).toEqual(['fallback URL', 'https://fallback.example-platform.test']);
    expect(line('interrupted')).toEqual(['interrupted', 'yes']);
    expect(line('concurrency')).toEqual(['concurrency', '4']);
    expect(line('staff-token')).toBeUndefined();
    const usd = sheetOf(workbook, 1).getRow(lines.indexOf(line('USD') ?? []) + 1).getCell(2);
    expect(usd.numFmt).toBe('#,##0.00');
  });

  it('names the Summary totals "would be created" on a dry run', async () => {
    const counts = { created: 0, skipped: 0, duplicate: 0, invalid: 0, failed: 0, would_create: 2, valid: 0, pending: 0 };
    const { workbook } = await writeResults([], summary({ counts, rows: 2, createdTotal: { USD: '20' }, sheetTotal: { USD: '20' } }));
    expect(valuesOf(sheetOf(workbook, 1))).toContainEqual(['currency', 'would be created', 'whole sheet']);
  });

  it('reads back through this tool\'s own reader as it was written', async () => {
    const cells = ['ana@example.com', '=SUM(A1)', 'a\u0001b', 'x'.repeat(40_000), 1200.5, -0.25, true, false, { kind: 'date', iso: '2025-01-31' }, { kind: 'date', iso: '2025-03-30', time: '02:30:00' }, { kind: 'date', iso: '2025-02-30' }, { kind: 'error', text: '#N/A' }] as const;
    const { written } = await writeResults([[row(2, ...cells), outcome(2, 'valid', { message: 'say "hi" & <bye>' })]]);
    const read: unknown[] = [];
    for await (const r of readRawRows(written.results)) read.push(r);
    expect(read[1]).toEqual({
      sourceRow: 2,
      // The header's six columns, the result columns, then the cells beyond the header.
      cells: [
        'ana@example.com', '=SUM(A1)', 'ab', `${'x'.repeat(32_766)}…`, 1200.5, -0.25,
        'valid', 'say "hi" & <bye>', null, null, null, null, null, 2,
        true, false, { kind: 'date', iso: '2025-01-31' }, { kind: 'date', iso: '2025-03-30', time: '02:30:00' }, '2025-02-30', '#N/A',
      ],
    });
  });

  it('keeps a total too long for a double as plain text, without the text format of formula-looking text', async () => {
    const { workbook } = await writeResults([], summary({ sheetTotal: { EUR: '-12345678901234567.89' } }));
    const summarySheet = sheetOf(workbook, 1);
    const line = valuesOf(summarySheet).findIndex((l) => l[0] === 'EUR');
    const cell = summarySheet.getRow(line + 1).getCell(3);
    expect(cell.value).toBe('-12345678901234567.89');
    expect(cell.numFmt).toBeUndefined();
  });

  it('sets column widths from the header and the first rows', async () => {
    const { workbook } = await writeResults([
      [row(2, 'a.really.long.address.for.testing@example.com', 'Gold'), outcome(2, 'failed', { message: 'x'.repeat(200) })],
    ]);
    const sheet = sheetOf(workbook);
    expect(sheet.getColumn(1).width).toBeGreaterThan(40);
    expect(sheet.getColumn(2).width).toBeLessThan(20);
    expect(sheet.getColumn(8).width).toBe(90);
  });
});
