// Finding the header row and what each column holds. Headers compare by a key that ignores case,
// spaces and punctuation, so "E-mail", "e mail" and "EMAIL" are one header; --map names columns the
// aliases do not know. Title rows above the header are skipped.
import { RunError } from '../errors.js';
import { FIELDS, type ColumnMap, type Field, type SourceRow } from '../pipeline/types.js';
import { cellText, isBlankCell } from './cells.js';
import { columnLetters } from './cell-refs.js';
import { ALIAS_FIELDS, headerKey } from './header-aliases.js';
import { lookalikeAdvice, lookalikeColumns, type Lookalike } from './header-lookalikes.js';

export { headerKey } from './header-aliases.js';

/** How many non-blank rows from the top may hold the header. */
export const HEADER_SEARCH_ROWS = 20;

/** `--map` options by header key: the field, and the header as the user wrote it (for messages). */
export type ColumnMaps = ReadonlyMap<string, { readonly field: Field; readonly header: string }>;

/** Parses `--map "Header Text=field"` options; throws USAGE on bad syntax or an unknown field. */
export function parseColumnMaps(maps: readonly string[] | undefined): ColumnMaps {
  const result = new Map<string, { field: Field; header: string }>();
  const fieldsTaken = new Map<Field, string>();
  for (const spec of maps ?? []) {
    const eq = spec.lastIndexOf('=');
    const header = eq < 0 ? '' : spec.slice(0, eq).trim();
    const fieldText = eq < 0 ? '' : spec.slice(eq + 1).trim();
    if (eq < 0 || header === '' || fieldText === '') {
      throw new RunError('USAGE', `--map "${spec}" is not of the form "Header Text=field", e.g. --map "E-mail address=client_email".`);
    }
    const field = FIELDS.find((f) => headerKey(f) === headerKey(fieldText));
    if (!field) throw new RunError('USAGE', `--map "${spec}": "${fieldText}" is not a field. The fields are: ${FIELDS.join(', ')}.`);
    const key = headerKey(header);
    const earlier = result.get(key)?.field;
    if (earlier !== undefined && earlier !== field) {
      throw new RunError('USAGE', `--map gives the column "${header}" two fields: ${earlier} and ${field}.`);
    }
    const other = fieldsTaken.get(field);
    if (other !== undefined && headerKey(other) !== key) {
      throw new RunError('USAGE', `--map gives ${field} two columns: "${other}" and "${header}".`);
    }
    result.set(key, { field, header });
    fieldsTaken.set(field, header);
  }
  return result;
}

function fieldOf(text: string, maps: ColumnMaps): Field | undefined {
  const key = headerKey(text);
  return maps.get(key)?.field ?? ALIAS_FIELDS.get(key);
}

function distinctFields(row: SourceRow, maps: ColumnMaps): number {
  const seen = new Set<Field>();
  for (const cell of row.cells) {
    if (typeof cell !== 'string') continue;
    const field = fieldOf(cell, maps);
    if (field) seen.add(field);
  }
  return seen.size;
}

/**
 * The header among the first non-blank rows: the first that names two or more fields, or failing
 * that the first that names one (so the error lists what it has and what is missing).
 */
export function findHeader(
  rows: readonly SourceRow[],
  maps: ColumnMaps,
  name: string,
  otherSheets: readonly string[] = [],
): { index: number; columns: ColumnMap } {
  const counts = rows.map((row) => distinctFields(row, maps));
  let index = counts.findIndex((n) => n >= 2);
  if (index < 0) index = counts.findIndex((n) => n >= 1);
  const row = rows[index];
  if (index < 0 || !row) throw noHeader(rows, name, otherSheets);
  return { index, columns: columnMap(row, maps, name) };
}

function columnMap(row: SourceRow, maps: ColumnMaps, name: string): ColumnMap {
  const headers = row.cells.map((cell) => cellText(cell).trim());
  const fields: Partial<Record<Field, number>> = {};
  const fromMap = new Set<Field>();
  headers.forEach((text, col) => {
    if (text === '') return;
    const key = headerKey(text);
    const mapped = maps.get(key)?.field;
    const field = mapped ?? ALIAS_FIELDS.get(key);
    if (!field) return;
    const earlier = fields[field];
    if (earlier !== undefined && headerKey(headers[earlier] ?? '') === key) throw sameHeaders(name, field, headers, earlier, col);
    if (earlier === undefined || (mapped && !fromMap.has(field))) {
      fields[field] = col;
      if (mapped) fromMap.add(field);
    } else if (!fromMap.has(field)) {
      throw new RunError(
        'DUPLICATE_COLUMNS',
        `In ${name}, two columns could hold ${field}: "${headers[earlier]}" (column ${columnLetters(earlier + 1)}) and "${text}" (column ${columnLetters(col + 1)}).`,
      );
    }
  });
  for (const { field, header } of maps.values()) {
    if (fields[field] === undefined) {
      throw new RunError(
        'MISSING_FIELDS',
        `--map "${header}=${field}": the header row of ${name} (row ${row.sourceRow}) has no column "${header}". It has ${quoteList(headers)}.`,
      );
    }
  }
  const lookalikes = lookalikeColumns(headers, fields);
  const missing = missingFields(fields);
  if (missing.length > 0) throw missingError(missing, headers, fields, lookalikes, row.sourceRow, name);
  if (lookalikes.length > 0) {
    throw new RunError('MISSING_FIELDS', `In the header row of ${name} (row ${row.sourceRow}): ${lookalikeAdvice(lookalikes)}`);
  }
  return { headers, headerRow: row.sourceRow, fields };
}

/**
 * Two columns whose headers compare as one ("Price" and "Price", "Email" and "E-mail"): --map names a
 * column by its header, so it cannot pick either, and the only way is to rename one in the sheet.
 */
const SAME_HEADERS_ADVICE = 'Rename one of the two columns in the sheet (or delete the one not to import), save, and run again.';

function sameHeaders(name: string, field: Field, headers: readonly string[], first: number, second: number): RunError {
  const [a, b] = [headers[first] ?? '', headers[second] ?? ''];
  const named = a === b ? `two columns named "${a}"` : `two columns named alike, "${a}" and "${b}"`;
  return new RunError(
    'DUPLICATE_COLUMNS',
    `In ${name}, ${named} (columns ${columnLetters(first + 1)} and ${columnLetters(second + 1)}) could both hold ${field}, ` +
      `and --map cannot tell them apart: it names a column by its header. Rename the one not to import, e.g. to "${a} (old)".`,
    SAME_HEADERS_ADVICE,
  );
}

function missingFields(fields: Partial<Record<Field, number>>): string[] {
  const missing: string[] = [];
  if (fields.client_email === undefined && fields.client_id === undefined) missing.push('the client: an "Email" or "Client ID" column (client_email or client_id)');
  if (fields.package_name === undefined && fields.package_id === undefined) missing.push('the package: a "Package", "Membership" or "Plan" column, or "Package ID" (package_name or package_id)');
  if (fields.valid_from === undefined) missing.push('the start date: a "Start Date" or "Valid From" column (valid_from)');
  return missing;
}

function missingError(
  missing: string[],
  headers: readonly string[],
  fields: Partial<Record<Field, number>>,
  lookalikes: readonly Lookalike[],
  headerRow: number,
  name: string,
): RunError {
  const used = new Set([...Object.values(fields), ...lookalikes.map((l) => l.column)]);
  const unknown = headers.find((text, col) => text !== '' && !used.has(col));
  const unmatched = missing.filter((what) => !lookalikes.some((l) => what.includes(l.field)));
  const firstMissing = /\((\w+)/.exec(unmatched[0] ?? '')?.[1] ?? 'valid_from';
  const mapHint = unknown
    ? ` If a column holds it under another name, map it, e.g. --map "${unknown}=${firstMissing}".`
    : ` Add the column, or map one with --map "Header Text=field".`;
  const hint = (unmatched.length > 0 ? mapHint : '') + (lookalikes.length > 0 ? ` ${lookalikeAdvice(lookalikes)}` : '');
  return new RunError(
    'MISSING_FIELDS',
    `The header row of ${name} (row ${headerRow}) has ${quoteList(headers)}, but nothing for ${missing.join('; nor for ')}.${hint}`,
  );
}

function noHeader(rows: readonly SourceRow[], name: string, otherSheets: readonly string[]): RunError {
  const shown = rows.slice(0, 5).map((row) => {
    const cells = row.cells.filter((c) => !isBlankCell(c)).slice(0, 8).map((c) => short(cellText(c)));
    return `row ${row.sourceRow}: ${cells.map((c) => `"${c}"`).join(', ')}`;
  });
  return new RunError(
    'NO_HEADER',
    `No header row found in ${name}: none of the first ${rows.length} rows names the columns this tool needs ` +
      `(an email or client ID, a package, a start date). The first rows hold:\n  ${shown.join('\n  ')}${otherSheetsHint(otherSheets)}`,
  );
}

/** Where else a workbook's data may be: its other sheets, and how to pick one. */
export function otherSheetsHint(otherSheets: readonly string[]): string {
  const [first] = otherSheets;
  if (first === undefined) return '';
  const names = otherSheets.map((sheet) => `"${sheet}"`).join(', ');
  const these = otherSheets.length === 1 ? `another sheet, ${names}` : `other sheets: ${names}`;
  return `\nThe workbook has ${these}. If the data is on ${otherSheets.length === 1 ? 'it' : 'one of them'}, pass --sheet NAME, e.g. --sheet "${first}".`;
}

function quoteList(headers: readonly string[]): string {
  const named = headers.filter((h) => h !== '').map((h) => `"${short(h)}"`);
  return named.length > 0 ? named.join(', ') : 'no column names';
}

function short(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 40 ? `${oneLine.slice(0, 37)}...` : oneLine;
}
