// Opening a sheet: pick the reader by the file's content, find the header, and hand out the data
// rows one at a time. Everything after this sees SourceRows and never knows the file's format.
import { basename } from 'node:path';
import { RunError } from '../errors.js';
import type { ColumnMap, SourceRow } from '../pipeline/types.js';
import { Flattened, type Batches } from './batches.js';
import { openCsv, type Delimiter, type OpenedCsv } from './csv.js';
import { csvRowCheck } from './csv-checks.js';
import { findHeader, HEADER_SEARCH_ROWS, otherSheetsHint, parseColumnMaps } from './headers.js';
import { sniffFile } from './sniff.js';
import { openWorkbook } from './xlsx.js';

export interface OpenSheetOptions {
  /** XLSX: the sheet to read (default: the first visible one). Refused for CSV, which has one. */
  sheet?: string;
  /** `"Header Text=field"` pairs naming columns the aliases do not know. */
  map?: readonly string[];
}

export interface OpenedSheet {
  format: 'csv' | 'xlsx';
  sheetName?: string;
  /** XLSX: whether the workbook counts serial numbers from 1904. */
  date1904?: boolean;
  /** CSV: the delimiter the file uses. */
  delimiter?: Delimiter;
  /** The header row as written. */
  header: SourceRow;
  columns: ColumnMap;
  /** Data rows after the header, blank rows skipped; iterate once. */
  rows: AsyncIterable<SourceRow>;
  /** Stops reading and releases the file; safe to call early and more than once. */
  close(): Promise<void>;
}

/** Opens a CSV or XLSX file and finds its header; throws RunError when the run cannot start. */
export async function openSheet(path: string, options: OpenSheetOptions = {}): Promise<OpenedSheet> {
  const sheet = await openSheetBatches(path, options);
  const { batches, ...rest } = sheet;
  return { ...rest, rows: new Flattened(batches) };
}

/** An opened sheet whose data rows come in arrays: what validation reads, a row at a time costs more. */
export interface SheetBatches extends Omit<OpenedSheet, 'rows'> {
  batches: Batches<SourceRow>;
}

export async function openSheetBatches(path: string, options: OpenSheetOptions = {}): Promise<SheetBatches> {
  const maps = parseColumnMaps(options.map);
  const source = await openSource(path, options.sheet);
  const name = source.sheetName === undefined ? basename(path) : `${basename(path)} (sheet "${source.sheetName}")`;
  const head: SourceRow[] = [];
  try {
    while (head.length < HEADER_SEARCH_ROWS) {
      const next = await source.rows.next();
      if (next.done) break;
      head.push(...next.value);
    }
    if (head.length === 0) {
      throw new RunError('FILE_EMPTY', `${name} has no rows with anything in them.${otherSheetsHint(source.otherSheets ?? [])}`);
    }
    const { index, columns } = findHeader(head.slice(0, HEADER_SEARCH_ROWS), maps, name, source.otherSheets);
    const header = head[index] as SourceRow;
    const ragged = source.csv === undefined ? undefined : csvRowCheck(source.csv, header, columns);
    const batches = dataRows(head.slice(index + 1), source.rows, ragged);
    let closed = false;
    return {
      format: source.format,
      ...(source.sheetName !== undefined && { sheetName: source.sheetName }),
      ...(source.date1904 !== undefined && { date1904: source.date1904 }),
      ...(source.delimiter !== undefined && { delimiter: source.delimiter }),
      header,
      columns,
      batches,
      async close() {
        if (closed) return;
        closed = true;
        await batches.return(undefined);
        await source.rows.return(undefined);
      },
    };
  } catch (error) {
    await source.rows.return(undefined);
    throw error;
  }
}

interface Source {
  format: 'csv' | 'xlsx';
  sheetName?: string;
  otherSheets?: readonly string[];
  date1904?: boolean;
  delimiter?: Delimiter;
  csv?: OpenedCsv;
  rows: Batches<SourceRow>;
}

async function openSource(path: string, sheet: string | undefined): Promise<Source> {
  const sniffed = await sniffFile(path);
  if (sniffed.format === 'xlsx') {
    const workbook = await openWorkbook(path, sniffed.size, sheet);
    const { sheetName, otherSheets, date1904, rows } = workbook;
    return { format: 'xlsx', sheetName, otherSheets, date1904, rows };
  }
  // Someone who names a sheet believes they picked one: reading the only one there is instead would
  // hide that the file is not the workbook they meant.
  if (sheet !== undefined) {
    throw new RunError('USAGE', `--sheet "${sheet}" picks a sheet of an XLSX workbook; ${basename(path)} is a CSV file, which has one. Leave --sheet out to read it.`);
  }
  const csv = await openCsv(path, sniffed.encoding);
  return { format: 'csv', delimiter: csv.delimiter, csv, rows: csv.rows };
}

/**
 * Every non-blank row of a file with its row number, header included: the reader below openSheet,
 * for tests and tools that look at the cells themselves. Stop it early with `return()`.
 */
export async function* readRawRows(path: string, options: { sheet?: string } = {}): AsyncGenerator<SourceRow> {
  const source = await openSource(path, options.sheet);
  try {
    for await (const batch of source.rows) yield* batch;
  } finally {
    await source.rows.return(undefined);
  }
}

async function* dataRows(
  buffered: SourceRow[],
  rest: Batches<SourceRow>,
  check: ((row: SourceRow) => SourceRow) | undefined,
): Batches<SourceRow> {
  try {
    if (buffered.length > 0) yield check ? buffered.map(check) : buffered;
    for await (const batch of rest) yield check ? batch.map(check) : batch;
  } finally {
    await rest.return(undefined);
  }
}
