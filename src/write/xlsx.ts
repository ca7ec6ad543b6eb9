// A streamed XLSX results sheet: each row is committed to the zip as it comes, so memory stays flat
// on a sheet of a million rows. Column widths are read from the first rows, which wait until then.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { WriteStream } from 'node:fs';
import ExcelJS from 'exceljs';
import type { CellValue, RunSummary } from '../pipeline/types.js';
import type { SheetLayout } from './layout.js';
import { writeSummarySheet } from './summary-sheet.js';
import { displayLength, isStatus, setCellValue, styleHeader, styleStatus } from './xlsx-cells.js';

/** Rows looked at before the column widths are fixed (XLSX puts widths before the first row). */
const WIDTH_SAMPLE_ROWS = 100;
/** Let the zip and the disk catch up this often; without it a fast producer buffers the whole file. */
const ROWS_PER_TURN = 64;

export interface XlsxSheetOptions {
  readonly stream: WriteStream;
  readonly sheetName: string;
  readonly layout: SheetLayout;
  /** Autofilter over the whole range: the results sheet is filtered by status. */
  readonly autoFilter: boolean;
}

export class XlsxSheet {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;
  private sample: CellValue[][] | undefined = [];
  private rowsWritten = 0;
  private widest: number;

  constructor(private readonly options: XlsxSheetOptions) {
    // Shared strings would keep every distinct text in memory until the end; inline strings do not.
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: options.stream, useStyles: true, useSharedStrings: false });
    this.workbook.creator = 'client-packages';
    // Views are written when the sheet is opened, so the frozen header must be asked for here.
    this.sheet = this.workbook.addWorksheet(options.sheetName, {
      views: [{ state: 'frozen', ySplit: 1 }],
      // Printed, a wide sheet reads best across the page with the header on every page.
      pageSetup: { orientation: 'landscape', printTitlesRow: '1:1' },
    });
    this.widest = options.layout.header.length;
  }

  async addRow(cells: readonly CellValue[]): Promise<void> {
    this.widest = Math.max(this.widest, cells.length);
    if (this.sample) {
      this.sample.push([...cells]);
      if (this.sample.length >= WIDTH_SAMPLE_ROWS) this.startRows();
      return;
    }
    this.commitRow(cells);
    if (this.rowsWritten % ROWS_PER_TURN === 0) await this.catchUp();
  }

  /** Completes the file; with a summary, adds the `Summary` sheet after the rows. */
  async close(summary?: RunSummary): Promise<void> {
    if (this.sample) this.startRows();
    if (this.options.autoFilter) this.setAutoFilter();
    this.sheet.commit();
    if (summary) writeSummarySheet(this.workbook.addWorksheet('Summary'), summary);
    await this.workbook.commit();
  }

  async abort(): Promise<void> {
    // The writer has no way to stop halfway; the caller destroys the stream and removes the file.
    this.sample = undefined;
  }

  private startRows(): void {
    const sample = this.sample ?? [];
    this.sample = undefined;
    this.sheet.columns = columnWidths(this.options.layout, sample, this.widest).map((width) => ({ width }));
    const header = this.sheet.addRow([]);
    this.options.layout.header.forEach((value, index) => {
      const cell = header.getCell(index + 1);
      setCellValue(cell, value);
      styleHeader(cell, index >= this.options.layout.addedFrom);
    });
    header.commit();
    for (const cells of sample) this.commitRow(cells);
  }

  private commitRow(cells: readonly CellValue[]): void {
    const row = this.sheet.addRow([]);
    cells.forEach((value, index) => setCellValue(row.getCell(index + 1), value));
    const { statusColumn } = this.options.layout;
    if (statusColumn !== undefined) {
      const status = cells[statusColumn];
      if (isStatus(status)) styleStatus(row.getCell(statusColumn + 1), status);
    }
    row.commit();
    this.rowsWritten++;
  }

  private async catchUp(): Promise<void> {
    await nextTurn();
    if (this.options.stream.writableNeedDrain) await drainedOrClosed(this.options.stream);
  }

  private setAutoFilter(): void {
    const lastColumn = columnLetter(this.widest);
    const lastRow = this.rowsWritten + 1;
    this.sheet.autoFilter = `A1:${lastColumn}${lastRow}`;
    // LibreOffice shows the filter buttons only when the workbook also names the range
    // `_xlnm._FilterDatabase` for that sheet (tdf#118592, exceljs#2778); Excel writes the name too.
    // exceljs has no way to add a sheet-scoped name, and its own `definedNames.add` would list every
    // cell of the range, so the writer's name list is answered here instead.
    const quoted = `'${this.options.sheetName.replaceAll("'", "''")}'`;
    const filterName = { name: '_xlnm._FilterDatabase', localSheetId: 0, ranges: [`${quoted}!$A$1:$${lastColumn}$${lastRow}`] };
    Object.defineProperty((this.workbook as unknown as { definedNames: object }).definedNames, 'model', {
      get: () => [filterName],
    });
  }
}

// 'close' as well as 'drain': a stream destroyed by an abort never drains.
function drainedOrClosed(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) {
      resolve();
      return;
    }
    const settle = (error?: Error): void => {
      stream.off('drain', onDone).off('close', onDone).off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const onDone = (): void => settle();
    stream.on('drain', onDone).on('close', onDone).on('error', settle);
  });
}

function columnWidths(layout: SheetLayout, sample: readonly CellValue[][], columns: number): number[] {
  return Array.from({ length: columns }, (_, index) => {
    const header = layout.header[index] ?? null;
    // Room for the header text and its filter button.
    let longest = displayLength(header) + 3;
    for (const cells of sample) longest = Math.max(longest, displayLength(cells[index] ?? null));
    if (index === layout.messageColumn) return clamp(longest + 2, 40, 90);
    return clamp(longest + 2, 8, 50);
  });
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** 1 → A, 27 → AA. */
export function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}
