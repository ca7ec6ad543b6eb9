// The rules for one cell of each kind of field, as pure functions: a value, or a reason that quotes
// what was written. Empty cells come back as undefined; whether a field is required is the row's
// business (schema.ts).
import type { CellValue, ErrorCell } from '../pipeline/types.js';
import { cellText } from '../read/cells.js';

export type FieldReading<T> = { ok: true; value: T } | { ok: false; reason: string };

export const MAX_ID_LENGTH = 100;
export const MAX_NAME_LENGTH = 200;
const MAX_EMAIL_LENGTH = 254;

/** What a cell shows, quoted and cut short, for messages. */
export function quoted(cell: CellValue): string {
  const text = cellText(cell).replace(/\s+/g, ' ');
  return `"${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`;
}

/** A formula cell no program has calculated: its value is unknown, not empty. */
export function isUncalculated(cell: CellValue): cell is ErrorCell {
  return typeof cell === 'object' && cell !== null && cell.kind === 'error' && cell.uncalculated === true;
}

/** Why an error cell holds no value: the error it shows, or a formula no program has calculated. */
export function errorCellReason(cell: ErrorCell): string {
  if (!cell.uncalculated) return `the cell shows the error ${cell.text}`;
  return 'the cell holds a formula that was never calculated, so it has no value: open the file in Excel or LibreOffice and save it (that calculates it), then run again';
}

function notText(cell: Exclude<CellValue, string | null>, what: string): FieldReading<never> {
  if (typeof cell === 'object' && cell.kind === 'error') return { ok: false, reason: errorCellReason(cell) };
  return { ok: false, reason: `${quoted(cell)} is not ${what}` };
}

// Loose on purpose where mail systems differ (any non-space local part, international domains),
// strict where a typo would send a lookup for nobody: one @, a dotted domain, a top-level domain.
const ASCII_EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/;
const EMAIL = /^[^\s@"(),:;<>[\]\\]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*[\p{L}\p{N}]$/u;

/** An email as written but trimmed; lookups compare it lower-cased. */
export function parseEmail(cell: CellValue): FieldReading<string> | undefined {
  if (cell === null) return undefined;
  if (typeof cell !== 'string') return notText(cell, 'an email address');
  const email = cell.trim();
  if (email === '') return undefined;
  if (email.indexOf('@') !== email.lastIndexOf('@') && /[\s,;]/.test(email)) {
    return { ok: false, reason: `${quoted(cell)} holds more than one email address; put one per row` };
  }
  return isEmail(email) ? { ok: true, value: email } : { ok: false, reason: `${quoted(cell)} is not an email address` };
}

function isEmail(email: string): boolean {
  if (email.length > MAX_EMAIL_LENGTH) return false;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return /^[\x21-\x7e]*$/.test(email) ? ASCII_EMAIL.test(email) : EMAIL.test(email);
}

/** client_id, package_id, conversation_id: trimmed, no whitespace inside, at most 100 characters. */
export function parseId(cell: CellValue): FieldReading<string> | undefined {
  if (cell === null) return undefined;
  if (typeof cell === 'number') {
    if (Number.isSafeInteger(cell) && cell >= 0) return { ok: true, value: String(cell) };
    if (Number.isInteger(cell)) {
      return { ok: false, reason: `${quoted(cell)} is a number too long to be kept exactly; format the column as text and enter the id again` };
    }
    return { ok: false, reason: `${quoted(cell)} is not an id` };
  }
  if (typeof cell !== 'string') return notText(cell, 'an id');
  const id = cell.trim();
  if (id === '') return undefined;
  if (/^\d(?:\.\d+)?E\+\d+$/i.test(id)) {
    return { ok: false, reason: `${quoted(cell)} is a long number that Excel shortened; format the column as text and enter the id again` };
  }
  if (/[\s\p{Cc}]/u.test(id)) return { ok: false, reason: `${quoted(cell)} has a space in it; an id has none` };
  if (id.length > MAX_ID_LENGTH) return { ok: false, reason: `${quoted(cell)} is longer than ${MAX_ID_LENGTH} characters` };
  return { ok: true, value: id };
}

/** A package name as written, trimmed; matched to the platform's names by packageNameKey. */
export function parseName(cell: CellValue): FieldReading<string> | undefined {
  if (cell === null) return undefined;
  if (typeof cell === 'number') return { ok: true, value: String(cell) };
  if (typeof cell !== 'string') return notText(cell, 'a package name');
  const name = cell.trim();
  if (name === '') return undefined;
  if (name.length > MAX_NAME_LENGTH) return { ok: false, reason: `${quoted(cell)} is longer than ${MAX_NAME_LENGTH} characters` };
  return { ok: true, value: name };
}
