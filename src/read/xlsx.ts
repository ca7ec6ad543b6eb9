// The XLSX reader: exceljs's streaming WorkbookReader parses styles, shared strings and the rows of
// one sheet, fed part by part from the zip (see zip.ts) through the XML normaliser (xlsx-xml.ts).
// Cells become CellValues here; dates are computed from the serial number (calendar.ts), never
// through a JS Date, so the machine's time zone cannot move them.
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { RunError } from '../errors.js';
import type { CellValue, SourceRow } from '../pipeline/types.js';
import type { Batches } from './batches.js';
import { classifyNumFmt, excelSerialToDate } from './calendar.js';
import { isBlankRow, unescapeFormulaText } from './cells.js';
import { readWorkbookInfo, type SheetInfo, type WorkbookInfo } from './xlsx-parts.js';
import { normaliseXml } from './xlsx-xml.js';
import { openZip, type ZipArchive, type ZipEntry } from './zip.js';

/** The parts of exceljs's streaming reader used here; they are not in its published typings. */
interface ExcelCell {
  readonly value: unknown;
  readonly numFmt?: string;
}
interface ExcelRow {
  readonly number: number;
  eachCell(iteratee: (cell: ExcelCell, col: number) => void): void;
}
interface WorksheetReaderInternals {
  parse(): AsyncIterable<Array<{ eventType: string; value: unknown }>>;
}
interface WorkbookReaderInternals {
  properties: { model: { date1904: boolean } };
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ value: WorksheetReaderInternals }, undefined>;
}

export interface OpenedWorkbook {
  readonly sheetName: string;
  readonly rows: Batches<SourceRow>;
}

export async function openWorkbook(path: string, size: number, sheet: string | undefined): Promise<OpenedWorkbook> {
  const name = basename(path);
  let zip: ZipArchive;
  let info: WorkbookInfo;
  try {
    zip = await openZip(path, size);
    info = await readWorkbookInfo(zip, path);
  } catch (error) {
    throw asRunError(error, name);
  }
  const chosen = chooseSheet(info.sheets, sheet, name);
  return { sheetName: chosen.name, rows: readSheetRows(zip, info, chosen, name) };
}

function chooseSheet(sheets: readonly SheetInfo[], wanted: string | undefined, name: string): SheetInfo {
  const list = sheets.map((s) => `"${s.name}"`).join(', ');
  if (wanted === undefined) {
    // The first sheet a person sees: hidden sheets usually hold lookups, not the data.
    const first = sheets.find((s) => s.visible) ?? sheets[0];
    if (!first) throw new RunError('FILE_CORRUPT', `${name} has no worksheets.`);
    return first;
  }
  const exact = sheets.find((s) => s.name === wanted);
  const loose = sheets.find((s) => s.name.trim().toLowerCase() === wanted.trim().toLowerCase());
  const found = exact ?? loose;
  if (!found) throw new RunError('SHEET_NOT_FOUND', `${name} has no sheet named "${wanted}". Its sheets are: ${list}.`);
  return found;
}

async function* readSheetRows(zip: ZipArchive, info: WorkbookInfo, sheet: SheetInfo, name: string): Batches<SourceRow> {
  const streams: Readable[] = [];
  const part = async (entry: ZipEntry, isSheet: boolean): Promise<Readable> => {
    const raw = await zip.open(entry);
    const xml = Readable.from(normaliseXml(raw, isSheet));
    streams.push(raw, xml);
    return xml;
  };
  try {
    const ExcelReader = ExcelJS.stream.xlsx.WorkbookReader;
    const reader = new ExcelReader(sheet.part.name, {
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
      worksheets: 'emit',
      entries: 'ignore',
    }) as unknown as WorkbookReaderInternals;
    // Dates are worked out here from the serial number; exceljs's own conversion is undone below.
    reader.properties = { model: { date1904: false } };
    if (info.styles) await reader._parseStyles(await part(info.styles, false));
    if (info.sharedStrings) {
      for await (const _ of reader._parseSharedStrings(await part(info.sharedStrings, false))) {
        // 'cache' mode keeps the strings on the reader and yields nothing.
      }
    }
    const worksheet = reader._parseWorksheet(await part(sheet.part, true), '1').next().value?.value;
    if (!worksheet) throw new RunError('FILE_CORRUPT', `${name}: the sheet "${sheet.name}" cannot be read.`);
    // parse() hands over the rows of each chunk of XML together: one batch.
    for await (const events of worksheet.parse()) {
      const rows: SourceRow[] = [];
      for (const { eventType, value } of events) {
        if (eventType !== 'row') continue;
        const row = value as ExcelRow;
        const cells = rowCells(row, info.date1904);
        if (!isBlankRow(cells)) rows.push({ sourceRow: row.number, cells });
      }
      if (rows.length > 0) yield rows;
    }
  } catch (error) {
    throw asRunError(error, name);
  } finally {
    for (const stream of streams) stream.destroy();
  }
}

/** The row's cells by column (A = index 0), without trailing empty cells. */
function rowCells(row: ExcelRow, date1904: boolean): CellValue[] {
  const cells: CellValue[] = [];
  let last = -1;
  row.eachCell((cell, col) => {
    const value = cellValue(cell, date1904);
    if (value === null) return;
    while (cells.length < col - 1) cells.push(null);
    cells[col - 1] = value;
    last = col - 1;
  });
  cells.length = last + 1;
  return cells;
}

function cellValue(cell: ExcelCell, date1904: boolean): CellValue {
  const v = cell.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v === '' ? null : unescapeFormulaText(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return numberValue(v, cell.numFmt, date1904);
  if (v instanceof Date) {
    // exceljs turned a date-formatted number into a Date (1900 system, as told above): take the
    // serial number back and decide for ourselves.
    return numberValue(v.getTime() / 86_400_000 + 25569, cell.numFmt, date1904);
  }
  if (typeof v === 'object') {
    const o = v as { error?: unknown; richText?: Array<{ text?: unknown }>; text?: unknown; result?: unknown };
    if (typeof o.error === 'string') return { kind: 'error', text: o.error };
    if (Array.isArray(o.richText)) {
      const text = o.richText.map((run) => (typeof run.text === 'string' ? run.text : '')).join('');
      return text === '' ? null : unescapeFormulaText(text);
    }
    if (typeof o.text === 'string') return o.text === '' ? null : o.text;
    if ('result' in o) return cellValue({ value: o.result, numFmt: cell.numFmt }, date1904);
  }
  return null;
}

function numberValue(n: number, numFmt: string | undefined, date1904: boolean): CellValue {
  if (!Number.isFinite(n)) return null;
  if (classifyNumFmt(numFmt) === 'date') return excelSerialToDate(n, date1904) ?? n;
  return n;
}

function asRunError(error: unknown, name: string): RunError {
  if (error instanceof RunError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new RunError('FILE_CORRUPT', `${name} cannot be read as an Excel workbook: ${reason.split('\n')[0]}`);
}
