// Calendar arithmetic on plain integers, so a date never passes through a JS Date and the machine's
// time zone can never shift it. Used for Excel serial numbers (both readers) and date validation.
import type { DateCell } from '../pipeline/types.js';

/** The proleptic Gregorian date `days` after 1970-01-01 (negative before). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Days from 1970-01-01 to the given date; the inverse of civilFromDays. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const max = month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0);
  return day <= max;
}

export function isoDate(year: number, month: number, day: number): string {
  const y = String(year).padStart(4, '0');
  return `${y}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** 1970-01-01 as a serial number of the 1900 date system, in which 1900-01-01 is serial 1. */
export const UNIX_EPOCH_1900 = 25569;
/** 1970-01-01 as a serial number of the 1904 date system, in which 1904-01-01 is serial 0. */
export const UNIX_EPOCH_1904 = 24107;
/** Serial numbers beyond 9999-12-31 are not dates in Excel either: 2958465 in the 1900 system, 1462 fewer in the 1904 one. */
const MAX_SERIAL_1900 = 2958465;
const MAX_SERIAL_1904 = MAX_SERIAL_1900 - (UNIX_EPOCH_1900 - UNIX_EPOCH_1904);

/**
 * The date (and time of day) Excel shows for a serial number, or undefined when Excel would not show
 * a date. In the 1900 system Excel counts 1900-02-29, a day that never was (serial 60), kept from
 * Lotus 1-2-3; serials before it are one day off from a plain count, and 60 itself reads back as
 * the non-date `1900-02-29`, which validation then refuses like any other impossible date.
 */
export function excelSerialToDate(serial: number, date1904: boolean): DateCell | undefined {
  const last = date1904 ? MAX_SERIAL_1904 : MAX_SERIAL_1900;
  if (!Number.isFinite(serial) || serial < (date1904 ? 0 : 1) || serial >= last + 1) return undefined;
  let whole = Math.floor(serial);
  let seconds = Math.round((serial - whole) * 86400);
  if (seconds === 86400) {
    whole += 1;
    seconds = 0;
  }
  if (whole > last) return undefined;
  const time = seconds === 0 ? undefined : clock(seconds);
  let iso: string;
  if (date1904) {
    const { year, month, day } = civilFromDays(whole - UNIX_EPOCH_1904);
    iso = isoDate(year, month, day);
  } else if (whole === 60) {
    iso = '1900-02-29';
  } else {
    const { year, month, day } = civilFromDays(whole - UNIX_EPOCH_1900 + (whole < 60 ? 1 : 0));
    iso = isoDate(year, month, day);
  }
  return time === undefined ? { kind: 'date', iso } : { kind: 'date', iso, time };
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/**
 * How a number format shows a number: as a calendar date, as a time or duration (`h:mm`, `[h]:mm:ss`),
 * or as a plain number. Literal text in quotes, escaped characters and bracketed parts (colours,
 * locales, elapsed-time units) are ignored, so `0.00 "days"` stays a number.
 */
export function classifyNumFmt(format: string | undefined): 'date' | 'time' | 'number' {
  if (!format) return 'number';
  const bare = format
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/_./g, '')
    .replace(/\[[^\]]*\]/g, (part) => (/^\[(h+|m+|s+)\]$/i.test(part) ? 'h' : ''));
  // Only the first section (positive numbers) decides; the others are for negatives, zero and text.
  const first = bare.split(';')[0] ?? '';
  if (/general/i.test(first)) return 'number';
  if (/[yd]/i.test(first)) return 'date';
  if (/[hs]/i.test(first)) return 'time';
  if (/m/i.test(first)) return 'date';
  return 'number';
}
