// How one value and one status look in an XLSX sheet: cell types, number formats, colours, widths.
import type { Cell } from 'exceljs';
import type { CellValue, Status } from '../pipeline/types.js';
import { dateCellText, dateCellToDate, dateNumberFormat, startsLikeFormula } from './cells.js';

/** Excel refuses (asks to "repair") a file with a longer cell; only a CSV input can carry one. */
const MAX_CELL_TEXT = 32_767;

/**
 * Writes a value with its own type: numbers as numbers, booleans as booleans, a DateCell as a real
 * date cell shown `yyyy-mm-dd`, an error cell as its text, and every string as a string cell.
 * exceljs only writes a formula for a `{ formula }` value, never for a string that starts with `=`.
 */
export function setCellValue(cell: Cell, value: CellValue): void {
  if (value === null) return;
  if (typeof value === 'string') {
    cell.value = value.length > MAX_CELL_TEXT ? `${value.slice(0, MAX_CELL_TEXT - 1)}…` : value;
    // Text format keeps it text even after an edit in Excel, which would otherwise run `=...`.
    if (startsLikeFormula(value)) cell.numFmt = '@';
    return;
  }
  if (typeof value === 'number') {
    cell.value = Number.isFinite(value) ? value : String(value);
    return;
  }
  if (typeof value === 'boolean') {
    cell.value = value;
    return;
  }
  if (value.kind === 'date') {
    const date = dateCellToDate(value);
    if (date) {
      cell.value = date;
      cell.numFmt = dateNumberFormat(value);
    } else {
      cell.value = dateCellText(value);
    }
    return;
  }
  cell.value = value.text;
}

interface StatusLook {
  readonly fill: string;
  readonly font: string;
}

// Excel's own "Good", "Bad" and "Neutral" cell styles, and greys: they read in Excel and LibreOffice,
// on screen and printed in black and white, and the status word stays in the cell for colour-blind eyes.
const STATUS_LOOKS: Readonly<Record<Status, StatusLook>> = {
  created: { fill: 'FFC6EFCE', font: 'FF006100' },
  skipped: { fill: 'FFE2EFDA', font: 'FF375623' },
  would_create: { fill: 'FFD9EAD3', font: 'FF274E13' },
  valid: { fill: 'FFEBF1DE', font: 'FF4F6228' },
  duplicate: { fill: 'FFFFEB9C', font: 'FF9C5700' },
  invalid: { fill: 'FFFFC7CE', font: 'FF9C0006' },
  failed: { fill: 'FFFFC7CE', font: 'FF9C0006' },
  pending: { fill: 'FFD9D9D9', font: 'FF404040' },
};

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && Object.hasOwn(STATUS_LOOKS, value);
}

// A font without a name makes LibreOffice fall back to a serif face; this is the workbook's default.
const BODY_FONT = { name: 'Calibri', family: 2, size: 11 } as const;

export function styleStatus(cell: Cell, status: Status): void {
  const look = STATUS_LOOKS[status];
  cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: look.fill } };
  cell.font = { ...BODY_FONT, color: { argb: look.font } };
}

export function styleBold(cell: Cell): void {
  cell.font = { ...BODY_FONT, bold: true };
}

/** The header: bold, and the columns this tool adds on a light blue so a person sees where they start. */
export function styleHeader(cell: Cell, added: boolean): void {
  styleBold(cell);
  if (added) cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
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
