// A streamed XLSX results sheet: rows become XML as they come and go through zlib into the file, so
// memory stays flat on a sheet of a million rows and the deflating runs beside the reading. Column
// widths are read from the first rows, which wait until then. The workbook around the sheet (styles,
// the Summary sheet, the parts that tie them together) is written at the end.
import type { CellValue, NumberFormats, RunSummary } from '../pipeline/types.js';
import { columnLetters } from '../read/cell-refs.js';
import { PIECE_CHARS } from './buffers.js';
import type { FileSink } from './file-sink.js';
import type { SheetLayout } from './layout.js';
import { summaryRows } from './summary-sheet.js';
import { cellXml, displayLength, styleOf } from './xlsx-cells.js';
import { workbookParts, type SheetPart } from './xlsx-parts.js';
import { ADDED_HEADER_FILL, isStatus, statusLook, StyleSheet, type CellLook } from './xlsx-styles.js';
import { ZipWriter, type ZipEntryStream } from './zip-writer.js';

/** Rows looked at before the column widths are fixed (XLSX puts widths before the first row). */
const WIDTH_SAMPLE_ROWS = 100;

export interface XlsxSheetOptions {
  readonly sink: FileSink;
  readonly sheetName: string;
  readonly layout: SheetLayout;
  /** Autofilter over the whole range: the results sheet is filtered by status. */
  readonly autoFilter: boolean;
  /** Sizes from which the zip records them the Zip64 way; only tests pass one. */
  readonly zip64From?: number;
}

const WORKSHEET_OPEN =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ' +
  'mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">';
const FORMAT = '<sheetFormatPr defaultRowHeight="15" outlineLevelRow="0" outlineLevelCol="0" x14ac:dyDescent="55"/>';
const MARGINS = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>';

export class XlsxSheet {
  private readonly zip: ZipWriter;
  private readonly styles = new StyleSheet();
  private entry: ZipEntryStream | undefined;
  private sample: Array<[CellValue[], NumberFormats | undefined]> | undefined = [];
  /** The style of a number cell by the format code the input showed it in. */
  private readonly numberStyles = new Map<string, number>();
  /** Rows of XML not yet handed to the zip writer. */
  private piece = '';
  private rowNumber = 1;
  private widest: number;
  private aborted = false;

  constructor(private readonly options: XlsxSheetOptions) {
    this.zip = new ZipWriter(options.sink, options.zip64From === undefined ? {} : { zip64From: options.zip64From });
    this.widest = options.layout.header.length;
  }

  /**
   * A promise when the zip writer is behind: wait for it before the next row. `formats` are the number
   * formats of the cells that keep the input's (see SourceRow.formats).
   */
  addRow(cells: readonly CellValue[], formats?: NumberFormats): Promise<void> | undefined {
    if (this.aborted) throw new Error('results sheet is aborted');
    if (cells.length > this.widest) this.widest = cells.length;
    if (this.sample) {
      this.sample.push([[...cells], formats]);
      return this.sample.length >= WIDTH_SAMPLE_ROWS ? this.startRows() : undefined;
    }
    this.piece += this.rowXml(cells, formats);
    if (this.piece.length < PIECE_CHARS) return undefined;
    const piece = this.piece;
    this.piece = '';
    return this.write(piece);
  }

  /** Hands the rest of the file to the sink (its owner, a TempFile, ends it); with a summary, adds the `Summary` sheet after the rows. */
  async close(summary?: RunSummary): Promise<void> {
    if (this.sample) await this.startRows();
    const lastRow = this.rowNumber;
    const lastColumn = columnLetters(this.widest);
    let tail = '</sheetData>';
    if (this.options.autoFilter) tail += `<autoFilter ref="A1:${lastColumn}${lastRow}"/>`;
    tail += `${MARGINS}<pageSetup orientation="landscape" horizontalDpi="4294967295" verticalDpi="4294967295" scale="100" fitToWidth="1" fitToHeight="1"/></worksheet>`;
    await this.write(this.piece + tail);
    this.piece = '';
    await this.entry?.end();
    this.entry = undefined;
    const sheets: SheetPart[] = [{ name: this.options.sheetName, filterRange: this.options.autoFilter ? `$A$1:$${lastColumn}$${lastRow}` : undefined }];
    if (summary) {
      await this.zip.add('xl/worksheets/sheet2.xml', this.summaryXml(summary));
      sheets.push({ name: 'Summary' });
    }
    for (const [name, xml] of workbookParts(sheets, this.styles.xml())) await this.zip.add(name, xml);
    await this.zip.finish();
  }

  /** Stops the sheet; the sink's owner stops the sink and removes the file. */
  abort(): void {
    this.aborted = true;
    this.sample = undefined;
    this.piece = '';
    this.entry?.destroy();
  }

  private async startRows(): Promise<void> {
    const sample = this.sample ?? [];
    this.sample = undefined;
    const { layout } = this.options;
    this.entry = await this.zip.stream('xl/worksheets/sheet1.xml');
    const views = '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>';
    let xml = `${WORKSHEET_OPEN}${views}${FORMAT}${colsXml(columnWidths(layout, sample.map(([cells]) => cells), this.widest))}<sheetData><row r="1">`;
    layout.header.forEach((value, index) => {
      const look: CellLook = index >= layout.addedFrom ? { bold: true, fill: ADDED_HEADER_FILL } : { bold: true };
      xml += cellXml(index + 1, 1, value, styleOf(this.styles, value, look));
    });
    await this.write(`${xml}</row>`);
    for (const [cells, formats] of sample) await this.write(this.rowXml(cells, formats));
  }

  private rowXml(cells: readonly CellValue[], formats: NumberFormats | undefined): string {
    const row = ++this.rowNumber;
    const { statusColumn } = this.options.layout;
    let xml = `<row r="${row}">`;
    for (let i = 0; i < cells.length; i++) {
      const value = cells[i] as CellValue;
      if (value === null) continue;
      let style: number;
      if (i === statusColumn && isStatus(value)) style = this.styles.index(statusLook(value)); // a frozen look: found by identity
      else if (typeof value === 'number') {
        const code = formats?.[i];
        style = code === undefined ? 0 : this.numberStyle(code);
      } else style = typeof value === 'string' || (typeof value === 'object' && value.kind === 'date') ? styleOf(this.styles, value) : 0;
      xml += cellXml(i + 1, row, value, style);
    }
    return `${xml}</row>`;
  }

  private numberStyle(code: string): number {
    let style = this.numberStyles.get(code);
    if (style === undefined) {
      style = this.styles.index({ numFmt: code });
      this.numberStyles.set(code, style);
    }
    return style;
  }

  private write(xml: string): Promise<void> | undefined {
    if (this.aborted || !this.entry) return undefined;
    return this.entry.write(xml);
  }

  private summaryXml(summary: RunSummary): string {
    let rows = '';
    summaryRows(summary).forEach((cells, index) => {
      const row = index + 1;
      const xml = cells
        .map(({ value, look, onlyLook }, column) => {
          const style = onlyLook ? this.styles.index(look ?? {}) : styleOf(this.styles, value, look);
          return cellXml(column + 1, row, value, style);
        })
        .join('');
      if (xml !== '') rows += `<row r="${row}">${xml}</row>`;
    });
    return (
      `${WORKSHEET_OPEN}${FORMAT}${colsXml([26, 60, 18])}<sheetData>${rows}</sheetData>` +
      `${MARGINS}<pageSetup orientation="portrait" horizontalDpi="4294967295" verticalDpi="4294967295" scale="100" fitToWidth="1" fitToHeight="1"/></worksheet>`
    );
  }
}

/** exceljs left a column of this width out, to take the sheet's default, as Excel shows it anyway. */
const DEFAULT_WIDTH = 9;

/** `<cols>`, columns of one width side by side in one `<col>`. */
function colsXml(widths: readonly number[]): string {
  let xml = '';
  for (let start = 0; start < widths.length; ) {
    let end = start;
    while (end + 1 < widths.length && widths[end + 1] === widths[start]) end++;
    if (widths[start] !== DEFAULT_WIDTH) xml += `<col min="${start + 1}" max="${end + 1}" width="${widths[start]}" customWidth="1"/>`;
    start = end + 1;
  }
  return xml === '' ? '' : `<cols>${xml}</cols>`;
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
