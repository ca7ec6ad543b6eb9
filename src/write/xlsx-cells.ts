// How one value and one status look in an XLSX sheet: cell types, number formats, colours, widths.
//
// Cells get shared, frozen style objects. exceljs remembers the style id of a style object it has seen,
// so a million cells sharing a handful of objects cost a lookup each, where a style object per cell is
// rendered to XML and compared every time (about half the time of a large write). Frozen, because
// exceljs's own setters (cell.numFmt = ...) would change the object for every cell that shares it:
// styles here are only ever replaced, never edited.
import type { Cell, Style } from 'exceljs';
import type { CellValue, Status } from '../pipeline/types.js';
import { dateCellText, dateCellToDate, dateNumberFormat, startsLikeFormula } from './cells.js';

/** Excel refuses (asks to "repair") a file with a longer cell; only a CSV input can carry one. */
const MAX_CELL_TEXT = 32_767;

// A font without a name makes LibreOffice fall back to a serif face; this is the workbook's default.
const BODY_FONT = { name: 'Calibri', family: 2, size: 11 } as const;

const shared = (style: Partial<Style>): Partial<Style> => Object.freeze(style);
const PLAIN = shared({});
// Text format keeps a formula-looking text text even after someone edits the cell in Excel.
const TEXT = shared({ numFmt: '@' });
const DATE = shared({ numFmt: dateNumberFormat({ kind: 'date', iso: '' }) });
const DATE_TIME = shared({ numFmt: dateNumberFormat({ kind: 'date', iso: '', time: '00:00:00' }) });

/**
 * Writes a value with its own type: numbers as numbers, booleans as booleans, a DateCell as a real
 * date cell shown `yyyy-mm-dd`, an error cell as its text, and every string as a string cell.
 * exceljs only writes a formula for a `{ formula }` value, never for a string that starts with `=`.
 */
export function setCellValue(cell: Cell, value: CellValue): void {
  cell.style = PLAIN;
  if (value === null) return;
  if (typeof value === 'string') {
    cell.value = value.length > MAX_CELL_TEXT ? `${value.slice(0, MAX_CELL_TEXT - 1)}…` : value;
    if (startsLikeFormula(value)) cell.style = TEXT;
  } else if (typeof value === 'number') {
    cell.value = Number.isFinite(value) ? value : String(value);
  } else if (typeof value === 'boolean') {
    cell.value = value;
  } else if (value.kind === 'date') {
    const date = dateCellToDate(value);
    cell.value = date ?? dateCellText(value);
    if (date) cell.style = value.time ? DATE_TIME : DATE;
  } else {
    cell.value = value.text;
  }
}

// Excel's own "Good", "Bad" and "Neutral" cell styles, and greys: they read in Excel and LibreOffice,
// on screen and printed in black and white, and the status word stays in the cell for colour-blind eyes.
const STATUS_LOOKS: Readonly<Record<Status, readonly [fill: string, font: string]>> = {
  created: ['FFC6EFCE', 'FF006100'],
  skipped: ['FFE2EFDA', 'FF375623'],
  would_create: ['FFD9EAD3', 'FF274E13'],
  valid: ['FFEBF1DE', 'FF4F6228'],
  duplicate: ['FFFFEB9C', 'FF9C5700'],
  invalid: ['FFFFC7CE', 'FF9C0006'],
  failed: ['FFFFC7CE', 'FF9C0006'],
  pending: ['FFD9D9D9', 'FF404040'],
};

const STATUS_STYLES = Object.fromEntries(
  Object.entries(STATUS_LOOKS).map(([status, [fill, font]]) => [
    status,
    shared({ fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: fill } }, font: { ...BODY_FONT, color: { argb: font } } }),
  ]),
) as Record<Status, Partial<Style>>;

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && Object.hasOwn(STATUS_LOOKS, value);
}

/** Colours a status cell; the cell holds the status word as plain text. */
export function styleStatus(cell: Cell, status: Status): void {
  cell.style = STATUS_STYLES[status];
}

/** Adds to a cell's style without touching the shared object it may have. */
export function restyle(cell: Cell, more: Partial<Style>): void {
  cell.style = { ...cell.style, ...more };
}

export function styleBold(cell: Cell): void {
  restyle(cell, { font: { ...BODY_FONT, bold: true } });
}

/** The header: bold, and the columns this tool adds on a light blue so a person sees where they start. */
export function styleHeader(cell: Cell, added: boolean): void {
  styleBold(cell);
  if (added) restyle(cell, { fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } } });
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
