// Small rules about cell text that both readers apply, so a row reads the same from CSV and XLSX.
import type { CellValue } from '../pipeline/types.js';

/**
 * Our results and retry sheets write a cell that starts with `=`, `+`, `-`, `@`, tab or carriage
 * return with a leading apostrophe, so that no spreadsheet runs it as a formula. Reading such a cell
 * drops the apostrophe again: a retry sheet imports as it was written.
 */
export function unescapeFormulaText(text: string): string {
  if (text.charCodeAt(0) !== 39 || text.length < 2) return text;
  const next = text.charCodeAt(1);
  // = + - @ \t \r
  if (next === 61 || next === 43 || next === 45 || next === 64 || next === 9 || next === 13) return text.slice(1);
  return text;
}

/** A cell that holds nothing a person would see. */
export function isBlankCell(cell: CellValue | undefined): boolean {
  if (cell === null || cell === undefined) return true;
  if (typeof cell === 'string') return cell.trim() === '';
  return false;
}

export function isBlankRow(cells: readonly CellValue[]): boolean {
  for (const cell of cells) if (!isBlankCell(cell)) return false;
  return true;
}

/** A cell as a person reads it in a message or a header. */
export function cellText(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'object') return cell.kind === 'date' ? cell.iso : cell.text;
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  return String(cell);
}
