// Reading records: every data row of a sheet becomes either an AssignmentRecord or an outcome
// (`invalid`, `duplicate`) that says why not. Rows stream through one at a time; what is kept is the
// look-ahead that settles the file's day/month order and whether its comma may be a decimal mark,
// and 12 bytes per row for duplicates.
import { RunError } from '../errors.js';
import type { AssignmentRecord, ColumnMap, DateFormat, RowOutcome, SourceRow } from '../pipeline/types.js';
import { Flattened, type Batches } from '../read/batches.js';
import { openSheetBatches, type OpenSheetOptions } from '../read/index.js';
import { emailKey } from '../resolve/keys.js';
import { datesAsRead, dayOrderEvidence, type DateContext, type DayOrder } from './dates.js';
import { showsDecimalComma, type DecimalCommaSign } from './money.js';
import { SeenKeys } from './duplicates.js';
import { rowValidator } from './schema.js';

export interface ReadRecordsOptions extends OpenSheetOptions {
  dateFormat?: DateFormat;
  /** First N data rows only. */
  limit?: number;
}

export type RecordItem =
  | { row: SourceRow; record: AssignmentRecord; outcome?: undefined }
  | { row: SourceRow; record?: undefined; outcome: RowOutcome };

export interface RecordStream {
  format: 'csv' | 'xlsx';
  sheetName?: string;
  /** CSV: the delimiter the file uses, for results and retry files the user's spreadsheet opens alike. */
  delimiter?: ',' | ';' | '\t';
  header: SourceRow;
  columns: ColumnMap;
  /** One item per data row, in sheet order; iterate once, this or `batches`. */
  items: AsyncIterable<RecordItem>;
  /** The same items in arrays, as the reader had them ready: cheaper a row when rows are many. */
  batches: AsyncIterable<RecordItem[]>;
  /**
   * A row of the sheet as a retry file writes it: dates whose day/month order came from elsewhere in
   * the file (or --date-format) as the day they were read as, YYYY-MM-DD. For rows already read.
   */
  datesAsRead(row: SourceRow): SourceRow;
  /** Stops reading and releases the file; safe to call early and more than once. */
  close(): Promise<void>;
}

const DATE_FORMATS: readonly DateFormat[] = ['auto', 'YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY'];
/**
 * Data rows looked at before any is validated, to settle whether ambiguous dates such as 03/04/2025
 * are day- or month-first, and whether `1,234` may be 1.234.
 */
export const DAY_ORDER_LOOKAHEAD = 1000;

export async function readRecords(path: string, options: ReadRecordsOptions = {}): Promise<RecordStream> {
  const dateFormat = options.dateFormat ?? 'auto';
  if (!DATE_FORMATS.includes(dateFormat)) {
    throw new RunError('USAGE', `--date-format "${String(dateFormat)}" is not one of ${DATE_FORMATS.join(', ')}.`);
  }
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RunError('USAGE', `--limit must be a whole number of rows, 0 or more; got ${String(limit)}.`);
  }
  const sheet = await openSheetBatches(path, options);
  // Known once the first rows have settled the day/month order.
  const dates: { context?: DateContext } = {};
  const reading = { format: dateFormat, date1904: sheet.date1904 === true };
  const batches = recordItems(sheet.batches, sheet.columns, reading, limit, sheet.delimiter === ';', dates);
  return {
    format: sheet.format,
    ...(sheet.sheetName !== undefined && { sheetName: sheet.sheetName }),
    ...(sheet.delimiter !== undefined && { delimiter: sheet.delimiter }),
    header: sheet.header,
    columns: sheet.columns,
    items: new Flattened(batches),
    batches,
    datesAsRead: (row) => (dates.context ? datesAsRead(row, sheet.columns, dates.context) : row),
    close: () => sheet.close(),
  };
}

async function* recordItems(
  rows: Batches<SourceRow>,
  columns: ColumnMap,
  reading: { format: DateFormat; date1904: boolean },
  limit: number | undefined,
  semicolons: boolean,
  dates: { context?: DateContext },
): Batches<RecordItem> {
  try {
    const ahead: SourceRow[][] = [];
    let count = 0;
    let wholeFile = false;
    while (count < DAY_ORDER_LOOKAHEAD) {
      const next = await rows.next();
      if (next.done) {
        wholeFile = true;
        break;
      }
      ahead.push(next.value);
      count += next.value.length;
    }
    const settled = settledByFirstRows(ahead.flat().slice(0, DAY_ORDER_LOOKAHEAD), columns, reading, semicolons);
    dates.context = wholeFile ? settled.dates : { ...settled.dates, orderFromFirst: DAY_ORDER_LOOKAHEAD };
    const validate = rowValidator(columns, dates.context, settled.commaSign);
    const seen = new SeenKeys();
    let left = limit ?? Infinity;
    const item = (row: SourceRow): RecordItem => {
      const reading = validate(row);
      if (!reading.ok) {
        return { row, outcome: { sourceRow: row.sourceRow, status: 'invalid', code: 'INVALID', message: reading.message } };
      }
      const first = seen.firstRowOf(identityParts(reading.record), row.sourceRow);
      if (first === undefined) return { row, record: reading.record };
      const message = `same client, package and valid_from as row ${first}`;
      return { row, outcome: { sourceRow: row.sourceRow, status: 'duplicate', code: 'DUPLICATE', message } };
    };
    const take = (batch: SourceRow[]): RecordItem[] => {
      const part = batch.length > left ? batch.slice(0, left) : batch;
      left -= part.length;
      return part.map(item);
    };
    for (const batch of ahead) {
      if (left <= 0) return;
      yield take(batch);
    }
    ahead.length = 0;
    while (left > 0) {
      const next = await rows.next();
      if (next.done) return;
      yield take(next.value);
    }
  } finally {
    await rows.return(undefined);
  }
}

/**
 * The day/month order the file's own dates show: if some start or end dates can only be day-first
 * (31/01/2025) and none can only be month-first, ambiguous ones (03/04/2025) are read day-first, and
 * the other way round. With no evidence, or evidence both ways, ambiguous dates stay unread and the
 * row asks for --date-format. Decided once from the first rows, so a canary run with --limit reads
 * every row exactly as the full run will.
 */
export function inferDayOrder(rows: readonly SourceRow[], columns: ColumnMap): DayOrder | undefined {
  const cols = [columns.fields.valid_from, columns.fields.valid_until].filter((c): c is number => c !== undefined);
  let dmy = 0;
  let mdy = 0;
  for (const row of rows) {
    for (const col of cols) {
      const evidence = dayOrderEvidence(row.cells[col] ?? null);
      if (evidence === 'DMY') dmy++;
      else if (evidence === 'MDY') mdy++;
    }
  }
  if (dmy > 0 && mdy === 0) return 'DMY';
  if (mdy > 0 && dmy === 0) return 'MDY';
  return undefined;
}

/**
 * What the first rows settle for the whole file: its day/month order and whether its comma may be a
 * decimal mark. The rows are let go once it is settled: held for the whole run, they kept some 50 MB
 * more alive at 200,000 XLSX rows (their text holds on to the larger pieces of the file it came from).
 */
function settledByFirstRows(
  first: readonly SourceRow[],
  columns: ColumnMap,
  reading: { format: DateFormat; date1904: boolean },
  semicolons: boolean,
): { dates: DateContext; commaSign: DecimalCommaSign | undefined } {
  const inferred = reading.format === 'auto' ? inferDayOrder(first, columns) : undefined;
  return { dates: inferred === undefined ? reading : { ...reading, inferred }, commaSign: decimalCommaSign(first, columns, semicolons) };
}

/**
 * Why `1,234` may be 1.234 in this file: a price among its first rows written with a decimal comma,
 * or cells separated by semicolons. Decided once from the first rows, as the day/month order is.
 */
function decimalCommaSign(rows: readonly SourceRow[], columns: ColumnMap, semicolons: boolean): DecimalCommaSign | undefined {
  const col = columns.fields.price;
  if (col !== undefined && rows.some((row) => showsDecimalComma(row.cells[col] ?? null))) return 'prices';
  return semicolons ? 'semicolons' : undefined;
}

/**
 * The identity of a create: normalised client ref | package ref | valid_from. Used for in-file
 * duplicates and by the import journal to match rows across runs by content.
 */
export function identityKey(record: AssignmentRecord): string {
  return identityParts(record).join('');
}

/** identityKey in the pieces it is joined from. */
function identityParts(record: AssignmentRecord): string[] {
  const { clientId, packageId } = record;
  return [
    clientId !== undefined ? 'id:' : 'email:',
    clientId !== undefined ? escapeBar(clientId) : escapeBar(emailKey(record.clientEmail ?? '')),
    packageId !== undefined ? '|id:' : '|name:',
    packageId !== undefined ? escapeBar(packageId) : escapeBar(packageNameKey(record.packageName ?? '')),
    '|',
    record.validFrom,
  ];
}

/** Keeps `|` inside a value from being read as the separator. */
function escapeBar(s: string): string {
  return s.includes('|') || s.includes('\\') ? s.replace(/[\\|]/g, '\\$&') : s;
}

/**
 * Case- and space-insensitive key of a package name, e.g. "  GOLD  10-Pack " and "gold 10-pack"
 * match. Only case and the amount of white space around and between words are ignored (and how
 * Unicode spells an accent): "Premium" and "Premium+", "Gold10" and "Gold 10" are different
 * packages and must never be taken for one another. Used by the resolver too.
 */
export function packageNameKey(name: string): string {
  const cached = nameKeys.get(name);
  if (cached !== undefined) return cached;
  const key = /^[\x20-\x7e]*$/.test(name)
    ? name.toLowerCase().replace(/ {2,}/g, ' ').trim()
    : name.normalize('NFC').toLowerCase().normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (nameKeys.size < MAX_CACHED_NAMES) nameKeys.set(name, key);
  return key;
}

/** A sheet names a handful of packages a million times over: each is normalised once. */
const nameKeys = new Map<string, string>();
const MAX_CACHED_NAMES = 10_000;
