// How one value is written as a cell of an XLSX sheet: numbers as numbers, booleans as booleans, a
// DateCell as a real date cell shown `yyyy-mm-dd`, an error cell as its text, every string as a string
// cell (`t="str"`, never a formula, whatever it starts with). The XML is what exceljs wrote for the same
// values, so the results read back as they always have.
import type { CellValue, DateCell } from '../pipeline/types.js';
import { UNIX_EPOCH_1900 } from '../read/calendar.js';
import { columnLetters } from '../read/cell-refs.js';
import { dateCellText, dateCellToDate, startsLikeFormula } from './cells.js';
import { DATE_FORMAT, DATE_TIME_FORMAT, TEXT_FORMAT, type CellLook, type StyleSheet } from './xlsx-styles.js';
import { escapeXml } from './xlsx-text.js';

/** Excel refuses (asks to "repair") a file with a longer cell; only a CSV input can carry one. */
const MAX_CELL_TEXT = 32_767;
const MS_PER_DAY = 24 * 3600 * 1000;

const TEXT = Object.freeze({ numFmt: TEXT_FORMAT });
const DATE = Object.freeze({ numFmt: DATE_FORMAT });
const DATE_TIME = Object.freeze({ numFmt: DATE_TIME_FORMAT });

/** The look a value gives its cell by itself: a date format, or text format for formula-looking text. */
function valueLook(value: CellValue): CellLook | undefined {
  if (typeof value === 'string') return startsLikeFormula(value) ? TEXT : undefined;
  if (value !== null && typeof value === 'object' && value.kind === 'date' && dateSerial(value) !== undefined) {
    return value.time ? DATE_TIME : DATE;
  }
  return undefined;
}

/** A sheet's dates are a few hundred days a million times over: each is worked out once. */
const serials = new Map<string, number | null>();
const MAX_CACHED_SERIALS = 4096;

/**
 * The serial number Excel stores for a date, from the UTC milliseconds of dateCellToDate: no time
 * zone in between. Undefined for a date Excel cannot hold.
 */
function dateSerial(cell: DateCell): number | undefined {
  const key = dateCellText(cell);
  let serial = serials.get(key);
  if (serial === undefined) {
    const date = dateCellToDate(cell);
    serial = date ? UNIX_EPOCH_1900 + date.getTime() / MS_PER_DAY : null;
    if (serials.size >= MAX_CACHED_SERIALS) serials.clear();
    serials.set(key, serial);
  }
  return serial ?? undefined;
}

/**
 * The `<c>` element of a value in column `column` (1-based) of row `row`, with style `style`; '' for
 * an empty cell without a style, which is left out.
 */
export function cellXml(column: number, row: number, value: CellValue, style: number): string {
  const open = style === 0 ? `<c r="${columnLetters(column)}${row}"` : `<c r="${columnLetters(column)}${row}" s="${style}"`;
  if (value === null) return style === 0 ? '' : `${open}/>`;
  switch (typeof value) {
    case 'string':
      return textCell(open, value.length > MAX_CELL_TEXT ? `${value.slice(0, MAX_CELL_TEXT - 1)}…` : value);
    case 'number':
      return Number.isFinite(value) ? `${open}><v>${value}</v></c>` : textCell(open, String(value));
    case 'boolean':
      return `${open} t="b"><v>${value ? 1 : 0}</v></c>`;
    default:
      if (value.kind === 'error') return textCell(open, value.text);
      return dateCell(open, value);
  }
}

function textCell(open: string, text: string): string {
  return `${open} t="str"><v>${escapeXml(text)}</v></c>`;
}

function dateCell(open: string, cell: DateCell): string {
  const serial = dateSerial(cell);
  if (serial === undefined) return textCell(open, dateCellText(cell));
  return `${open}><v>${serial}</v></c>`;
}

/** The index of the look a value gives its cell, with more on top (bold, a fill) when asked. */
export function styleOf(styles: StyleSheet, value: CellValue, more?: CellLook): number {
  const own = valueLook(value);
  if (!more) return own ? styles.index(own) : 0;
  return styles.index(own ? { ...own, ...more } : more);
}

/** Characters a value takes on screen, for column widths. */
export function displayLength(value: CellValue): number {
  if (value === null) return 0;
  if (typeof value === 'string') return Math.max(...value.split('\n', 5).map((line) => line.length));
  if (typeof value === 'number') return String(value).length;
  if (typeof value === 'boolean') return 5;
  if (value.kind === 'date') return dateCellText(value).length;
  return value.text.length;
}
