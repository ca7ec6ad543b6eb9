// The XLSX reader: the parts of the workbook straight from the zip (zip.ts), through a streaming XML
// scanner (xml-scanner.ts): the cell styles' number formats and the shared strings first, then the
// rows of one sheet, a batch for each chunk of XML. What the XML means is in xlsx-sheet.ts.
import { basename } from 'node:path';
import { RunError } from '../errors.js';
import type { SourceRow } from '../pipeline/types.js';
import { BATCH_CHARS, type Batches } from './batches.js';
import { CellStyles } from './xlsx-formats.js';
import { SharedStrings, SheetRows } from './xlsx-sheet.js';
import { readWorkbookInfo, type SheetInfo, type WorkbookInfo } from './xlsx-parts.js';
import { XmlScanner, type XmlHandler } from './xml-scanner.js';
import { openZip, type ZipArchive, type ZipEntry } from './zip.js';

export interface OpenedWorkbook {
  readonly sheetName: string;
  /** The names of the workbook's other worksheets, in tab order. */
  readonly otherSheets: readonly string[];
  /** Whether the workbook counts serial numbers from 1904 (the Mac Excel date system). */
  readonly date1904: boolean;
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
  return {
    sheetName: chosen.name,
    otherSheets: info.sheets.filter((s) => s !== chosen).map((s) => s.name),
    date1904: info.date1904,
    rows: readSheetRows(zip, info, chosen, name),
  };
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
  try {
    const styles = new CellStyles();
    if (info.styles) await readPart(zip, info.styles, styles);
    let shared: SharedStrings | undefined;
    if (info.sharedStrings) {
      shared = new SharedStrings();
      await readPart(zip, info.sharedStrings, shared);
    }
    const rows = new SheetRows(shared?.strings, styles, info.date1904);
    for await (const _ of scanPart(zip, sheet.part, rows)) {
      const batch = rows.take();
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    throw asRunError(error, name);
  }
}

/** Reads a part through an XML scanner into `handler`, stopping after every BATCH_CHARS characters or so. */
async function* scanPart(zip: ZipArchive, entry: ZipEntry, handler: XmlHandler): AsyncGenerator<void, void, undefined> {
  const scanner = new XmlScanner(handler);
  const decoder = new TextDecoder('utf-8');
  const part = await zip.open(entry);
  try {
    for await (const chunk of part) {
      scanner.start(decoder.decode(chunk as Buffer, { stream: true }));
      while (scanner.scan(BATCH_CHARS, false)) yield;
      yield;
    }
    scanner.push(decoder.decode(), true);
    yield;
  } finally {
    part.destroy();
  }
}

/** Reads a whole part into its handler. */
async function readPart(zip: ZipArchive, entry: ZipEntry, handler: XmlHandler): Promise<void> {
  for await (const _ of scanPart(zip, entry, handler)) {
    // the handler keeps what it reads
  }
}

function asRunError(error: unknown, name: string): RunError {
  if (error instanceof RunError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new RunError('FILE_CORRUPT', `${name} cannot be read as an Excel workbook: ${reason.split('\n')[0]}`);
}
