// Dates as people and spreadsheets write them, read to `YYYY-MM-DD` with integer calendar arithmetic
// (never a JS Date, so no time zone). Day/month order is never guessed: `--date-format` says it, or a
// value settles it by a part above 12, or the file's other values do (see inferDayOrder).
import type { CellValue, ColumnMap, DateFormat, SourceRow } from '../pipeline/types.js';
import { daysFromCivil, excelSerialToDate, isoDate, isRealDate, UNIX_EPOCH_1900, UNIX_EPOCH_1904 } from '../read/calendar.js';
import { errorCellReason } from './fields.js';

export type DayOrder = 'DMY' | 'MDY';
export type DateReading = { ok: true; iso: string } | { ok: false; reason: string };

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;
/**
 * A bare number in a date column is read as an Excel serial date only from 1950-01-01 to
 * 2200-12-31: below that it is far likelier a year (2025), a count or a typo than a date.
 */
export const MIN_SERIAL = daysFromCivil(1950, 1, 1) + UNIX_EPOCH_1900;
export const MAX_SERIAL = daysFromCivil(MAX_YEAR, 12, 31) + UNIX_EPOCH_1900;
/** The same bounds in the 1904 date system, whose serial numbers are 1462 days smaller. */
const SERIAL_RANGE_1904 = [MIN_SERIAL - UNIX_EPOCH_1900 + UNIX_EPOCH_1904, MAX_SERIAL - UNIX_EPOCH_1900 + UNIX_EPOCH_1904] as const;

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAY = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+/i;
const TIME = String.raw`(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?`;
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const NUMERIC = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})${TIME}$`);
const DAY_NAME = new RegExp(String.raw`^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.,]*([a-z]+)\.?[\s\-/.,]*(\d{4}|\d{2})${TIME}$`, 'i');
// The day and the year need something between them, or "January 2025" would be the 20th of January 25.
const NAME_DAY = new RegExp(String.raw`^([a-z]+)\.?[\s\-/.,]*(\d{1,2})(?:(?:st|nd|rd|th)[\s\-/.,]*|[\s\-/.,]+)(\d{4}|\d{2})${TIME}$`, 'i');
const NAME_YEAR = /^([a-z]+)\.?[\s\-/.,]*(\d{4})$/i;
const YEAR_NAME = /^(\d{4})[\s\-/.,]*([a-z]+)\.?$/i;
const NUMERIC_MONTH_YEAR = /^(?:(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4}))$/;
const TIME_ONLY = /^T?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?$/;

export interface DateContext {
  readonly format: DateFormat;
  /** The order the file's unambiguous values show, for `auto` (see inferDayOrder). */
  readonly inferred?: DayOrder;
  /** Whether serial numbers count days from 1904, as in a workbook saved with the 1904 date system. */
  readonly date1904?: boolean;
  /** The data rows `inferred` was looked for in, when the file has more: the rest cannot settle it. */
  readonly orderFromFirst?: number;
}

/** Reads a date cell; undefined when it is empty. Reasons quote the value as written. */
export function parseDate(cell: CellValue, context: DateContext): DateReading | undefined {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'number') return fromSerial(cell, String(cell), context);
  if (typeof cell === 'boolean') return { ok: false, reason: `"${cell ? 'TRUE' : 'FALSE'}" is not a date` };
  if (typeof cell === 'object') {
    if (cell.kind === 'error') return { ok: false, reason: errorCellReason(cell) };
    // A date cell's day is always written YYYY-MM-DD (read/calendar.ts); 1900-02-29 is then refused.
    return plainIso(cell.iso) ?? { ok: false, reason: `"${cell.iso}" is not a date` };
  }
  const text = cell.trim();
  if (text === '') return undefined;
  const code = text.charCodeAt(0);
  // Only text starting with a letter can start with a weekday name.
  const bare = code >= 48 && code <= 57 ? text : text.replace(WEEKDAY, '');
  return fromText(bare, text, context);
}

function fromText(text: string, written: string, context: DateContext): DateReading {
  const iso = plainIso(text);
  if (iso !== undefined) return iso;
  const sep = text.charCodeAt(2);
  if (text.length === 10 && (sep === 47 || sep === 46 || sep === 45) && text.charCodeAt(5) === sep) {
    const a = digits(text, 0, 2);
    const b = digits(text, 3, 5);
    const y = digits(text, 6, 10);
    if (a >= 0 && b >= 0 && y >= 0) return fromNumeric(a, b, y, written, context);
  }
  let m = YEAR_FIRST.exec(text);
  if (m) return checked(Number(m[1]), Number(m[3]), Number(m[4]), written);
  if (/^\d{8}$/.test(text)) return checked(Number(text.slice(0, 4)), Number(text.slice(4, 6)), Number(text.slice(6)), written);
  if (/^\d{1,6}(?:\.\d+)?$/.test(text)) return fromSerial(Number(text), written, context);
  m = NUMERIC.exec(text);
  if (m) return fromNumeric(Number(m[1]), Number(m[3]), year(m[4] ?? ''), written, context);
  m = DAY_NAME.exec(text);
  if (m) return fromMonthName(Number(m[1]), m[2] ?? '', year(m[3] ?? ''), written);
  m = NAME_DAY.exec(text);
  if (m) return fromMonthName(Number(m[2]), m[1] ?? '', year(m[3] ?? ''), written);
  return withoutDay(text, written) ?? { ok: false, reason: `"${written}" is not a date (write it as YYYY-MM-DD, e.g. 2025-01-31)` };
}

/** A month and a year with no day ("January 2025", "2025-01"), or a time with no date: said as such. */
function withoutDay(text: string, written: string): DateReading | undefined {
  if (TIME_ONLY.test(text)) return { ok: false, reason: `"${written}" is a time of day with no date (write the date as YYYY-MM-DD, e.g. 2025-01-31)` };
  let month = 0;
  let y = 0;
  let m = NAME_YEAR.exec(text);
  if (m) [month, y] = [monthNumber(m[1] ?? ''), Number(m[2])];
  else if ((m = YEAR_NAME.exec(text))) [month, y] = [monthNumber(m[2] ?? ''), Number(m[1])];
  else if ((m = NUMERIC_MONTH_YEAR.exec(text))) [month, y] = [Number(m[2] ?? m[3]), Number(m[1] ?? m[4])];
  if (month < 1 || month > 12) return undefined;
  const example = y >= MIN_YEAR && y <= MAX_YEAR ? isoDate(y, month, 1) : '2025-01-31';
  return { ok: false, reason: `no day in "${written}": write the whole date, e.g. ${example}` };
}

/** `YYYY-MM-DD` exactly, the common case, read without regular expressions. */
function plainIso(text: string): DateReading | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 7);
  const d = digits(text, 8, 10);
  if (y < 0 || m < 0 || d < 0) return undefined;
  const reading = checked(y, m, d, text);
  return reading.ok ? { ok: true, iso: text } : reading;
}

function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Two-digit years are this century's: memberships are not dated 1925. */
function year(text: string): number {
  return text.length === 2 ? 2000 + Number(text) : Number(text);
}

function fromNumeric(a: number, b: number, y: number, written: string, context: DateContext): DateReading {
  const { format } = context;
  if (format === 'YYYY-MM-DD') {
    return { ok: false, reason: `"${written}" is not in the form YYYY-MM-DD that --date-format asks for` };
  }
  if (a > 12 && b > 12) return { ok: false, reason: `"${written}" is not a real date` };
  const order: DayOrder | undefined =
    format === 'DD/MM/YYYY' ? 'DMY' : format === 'MM/DD/YYYY' ? 'MDY' : evidenceOf(a, b) ?? (a === b ? 'DMY' : context.inferred);
  if (order === undefined) {
    const looked = context.orderFromFirst;
    const elsewhere = looked === undefined ? 'no other date in the file settles which' : `no date in the first ${looked.toLocaleString('en-US')} rows settles which`;
    return {
      ok: false,
      reason: `"${written}" could be ${isoDate(y, b, a)} or ${isoDate(y, a, b)}, and ${elsewhere}; pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY`,
    };
  }
  const [day, month] = order === 'DMY' ? [a, b] : [b, a];
  const reading = checked(y, month, day, written);
  if (!reading.ok && format !== 'auto' && month > 12) {
    return { ok: false, reason: `"${written}" is not a real date: --date-format ${format} reads ${month} as the month` };
  }
  return reading;
}

/** The order a numeric date proves by itself: a part above 12 can only be the day. */
function evidenceOf(a: number, b: number): DayOrder | undefined {
  if (a > 12 && b <= 12) return 'DMY';
  if (b > 12 && a <= 12) return 'MDY';
  return undefined;
}

/** Which order a text date shows by itself (for inferring the file's order), if any. */
export function dayOrderEvidence(cell: CellValue): DayOrder | undefined {
  if (typeof cell !== 'string') return undefined;
  const m = NUMERIC.exec(cell.trim());
  return m ? evidenceOf(Number(m[1]), Number(m[3])) : undefined;
}

/** Whether a text date's day/month order comes from outside its cell: 03/10/2026, not 25/12/2026 or 03/03/2026. */
function orderFromElsewhere(cell: CellValue): boolean {
  if (typeof cell !== 'string') return false;
  const m = NUMERIC.exec(cell.trim());
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[3])];
  return a !== b && evidenceOf(a, b) === undefined;
}

/**
 * The row with each start and end date whose day/month order came from outside its cell (the file's
 * other dates, or --date-format) written as the day it was read as, YYYY-MM-DD: a retry file of a few
 * of the rows, imported alone, must mean what the whole file meant. What did not read as a date stays
 * as written, and so does an end date read as before its start: the cell the row fails on.
 */
export function datesAsRead(row: SourceRow, columns: ColumnMap, context: DateContext): SourceRow {
  const { valid_from: fromCol, valid_until: untilCol } = columns.fields;
  const cellAt = (col: number | undefined): CellValue => (col === undefined ? null : (row.cells[col] ?? null));
  const from = parseDate(cellAt(fromCol), context);
  const until = parseDate(cellAt(untilCol), context);
  let cells: CellValue[] | undefined;
  const restate = (col: number | undefined, reading: DateReading | undefined) => {
    if (col === undefined || !reading?.ok || !orderFromElsewhere(cellAt(col))) return;
    cells ??= [...row.cells];
    cells[col] = reading.iso;
  };
  restate(fromCol, from);
  if (!(from?.ok && until?.ok && until.iso < from.iso)) restate(untilCol, until);
  return cells ? { ...row, cells } : row;
}

/** The month a name or its abbreviation of three letters or more names; 0 for none. */
function monthNumber(name: string): number {
  const lower = name.toLowerCase();
  return lower.length >= 3 ? MONTHS.findIndex((full) => full.startsWith(lower)) + 1 : 0;
}

function fromMonthName(day: number, name: string, y: number, written: string): DateReading {
  const month = monthNumber(name);
  if (month === 0) return { ok: false, reason: `"${written}" is not a date: "${name}" is not a month` };
  return checked(y, month, day, written);
}

function fromSerial(n: number, written: string, context: DateContext): DateReading {
  const date1904 = context.date1904 === true;
  const [min, max] = date1904 ? SERIAL_RANGE_1904 : [MIN_SERIAL, MAX_SERIAL];
  if (!Number.isFinite(n) || n < min || n >= max + 1) {
    return { ok: false, reason: `"${written}" is a number, not a date (write dates as YYYY-MM-DD)` };
  }
  const date = excelSerialToDate(n, date1904);
  return date ? { ok: true, iso: date.iso } : { ok: false, reason: `"${written}" is not a date` };
}

function checked(y: number, m: number, d: number, written: string): DateReading {
  if (!isRealDate(y, m, d)) return { ok: false, reason: `"${written}" is not a real date` };
  if (y < MIN_YEAR || y > MAX_YEAR) return { ok: false, reason: `"${written}" has the year ${y}, outside ${MIN_YEAR}-${MAX_YEAR}` };
  return { ok: true, iso: isoDate(y, m, d) };
}
