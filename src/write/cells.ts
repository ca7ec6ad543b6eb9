// Cells of the row model as a sheet stores them: dates without a time zone in between, and the texts
// a spreadsheet would run as formulas.
import type { DateCell } from '../pipeline/types.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;
const FIRST_SAFE_SERIAL_DATE = Date.UTC(1900, 2, 1);

/** Text a spreadsheet would take for a formula if it were typed, or read from a CSV, as it is. */
export function startsLikeFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  // = + - @ tab, carriage return; and the full-width ＝ ＋ － ＠, which Apple Numbers folds to their
  // ASCII twins. Letters, the usual first character, are past all but those.
  if (c > 0x40) return c >= 0xff0b && (c === 0xff1d || c === 0xff0b || c === 0xff0d || c === 0xff20);
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d;
}

/** `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS` when the cell also held a time of day. */
export function dateCellText(cell: DateCell): string {
  return cell.time ? `${cell.iso} ${cell.time}` : cell.iso;
}

/**
 * The instant whose UTC calendar date and time are the cell's. exceljs turns a Date into a sheet's
 * serial number from its UTC milliseconds, so the date Excel shows is `iso` on every machine, whatever
 * its time zone. Undefined when `iso` is not a real calendar day (then the text is written instead).
 */
export function dateCellToDate(cell: DateCell): Date | undefined {
  const day = ISO_DATE.exec(cell.iso);
  if (!day) return undefined;
  const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
  const clock = cell.time ? TIME.exec(cell.time) : null;
  if (cell.time && !clock) return undefined;
  const [hours, minutes, seconds] = clock ? [Number(clock[1]), Number(clock[2]), Number(clock[3])] : [0, 0, 0];
  const value = new Date(Date.UTC(year, month - 1, date, hours, minutes, seconds));
  // Date.UTC rolls 2024-02-30 over into March; a cell that says February 30th is not a date.
  // Years 0–99 are also rolled by Date.UTC into 1900–1999, so the year is checked too.
  if (value.getUTCFullYear() !== year || value.getUTCMonth() !== month - 1 || value.getUTCDate() !== date) {
    return undefined;
  }
  // Excel counts days from 1900 and wrongly keeps a 29 February 1900, so a serial number before March
  // 1900 shows another day than it means; such rare dates stay text.
  if (value.getTime() < FIRST_SAFE_SERIAL_DATE) return undefined;
  return value;
}
