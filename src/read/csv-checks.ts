// Checks on a CSV row once the header is known: what the row can have wrong that its cells alone do
// not show, because the CSV text itself went wrong (an unquoted delimiter, bytes that are not UTF-8).
import type { ColumnMap, SourceRow } from '../pipeline/types.js';
import { cellText, isBlankCell } from './cells.js';
import type { Delimiter, OpenedCsv } from './csv.js';

const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/**
 * What a CSV row can have wrong that its cells alone do not show. Text beyond the header's last column
 * means a delimiter that belongs inside a cell split it, and every cell after it has moved; extra
 * empty cells (trailing delimiters some exports write) do no harm. An unquoted `$1,200.00` splits
 * into `$1` and `200.00` even when nothing moves past the header, the last cell taking the rest.
 * And a cell read from bytes that are not UTF-8 holds replacement characters instead of its text.
 */
export function csvRowCheck(csv: OpenedCsv, header: SourceRow, columns: ColumnMap): (row: SourceRow) => SourceRow {
  const width = lastFilled(header.cells) + 1;
  const example = csv.delimiter === '\t' ? '' : ', e.g. in a price';
  const price = csv.delimiter === ',' ? columns.fields.price : undefined;
  const name = (col: number): string => columns.headers[col] || `column ${col + 1}`;
  return (row) => {
    let problems: string[] | undefined;
    const groups = price === undefined ? 0 : splitGroups(row.cells, price);
    if (price !== undefined && groups > 0) problems = [splitPriceProblem(row.cells.slice(price, price + groups + 1), name(price))];
    if (row.cells.length > width + groups) {
      const cells = lastFilled(row.cells) + 1;
      if (cells > width + groups) {
        const problem = `row has ${cells} cells but the header has ${width}: is there an unquoted ${DELIMITER_NAMES[csv.delimiter]}${example}?`;
        (problems ??= []).push(problem);
      }
    }
    const undecodable = csv.undecodableFrom();
    if (undecodable !== undefined && row.sourceRow >= undecodable) {
      const problem = undecodableProblem(row.cells, name);
      if (problem !== undefined) (problems ??= []).push(problem);
    }
    return problems === undefined ? row : { ...row, problems: [...(row.problems ?? []), ...problems] };
  };
}

/** `$1`, `1`, `USD 12`, `€999`: what is left of a price before its first thousands comma. */
const SPLIT_HEAD = /^(?:[A-Za-z]{3}\s?|[A-Za-z]{0,2}[$€£¥₹₩₪₺₽]\s?)?\d{1,3}$/u;
const SPLIT_GROUP = /^\d{3}$/;
/** The last group, with the decimals and a currency after it if the price had them. */
const SPLIT_END = /^\d{3}(?:\.\d+)?(?:\s?(?:[A-Za-z]{3}|[$€£¥₹₩₪₺₽]))?$/u;

/** How many cells after the price column look like the rest of a price split at its thousands commas. */
function splitGroups(cells: SourceRow['cells'], price: number): number {
  const head = cells[price];
  if (typeof head !== 'string' || head.length > 10 || !SPLIT_HEAD.test(head.trim())) return 0;
  let groups = 0;
  for (let i = price + 1; i < cells.length; i++) {
    const cell = cells[i];
    const text = typeof cell === 'string' ? cell.trim() : '';
    if (SPLIT_GROUP.test(text)) groups++;
    else return SPLIT_END.test(text) ? groups + 1 : groups;
  }
  return groups;
}

/** The price cell and the cells it seems to have lost, as one message that says both ways to fix it. */
function splitPriceProblem(cells: SourceRow['cells'], header: string): string {
  const [head = '', ...rest] = cells.map((cell) => cellText(cell).trim());
  return (
    `${header}: "${head}" followed by ${rest.map((p) => `"${p}"`).join(', ')} looks like one price split at its thousands comma; ` +
    `put it in quotes ("${[head, ...rest].join(',')}") or write it without the comma (${head}${rest.join('')}). ` +
    `If the price is ${head}, write it with decimals (${head}.00)`
  );
}

function undecodableProblem(cells: SourceRow['cells'], name: (col: number) => string): string | undefined {
  const columns: number[] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell === 'string' && cell.includes('\ufffd')) columns.push(i);
  }
  if (columns.length === 0) return undefined;
  const values = columns.map((col) => `"${String(cells[col])}"`).join(', ');
  return (
    `${columns.map(name).join(', ')}: ${values} ${columns.length === 1 ? 'has' : 'have'} characters that could not be read: ` +
    'the file is not valid UTF-8 from this row on. Save it as "CSV UTF-8" and import it again'
  );
}

function lastFilled(cells: SourceRow['cells']): number {
  for (let i = cells.length - 1; i >= 0; i--) if (!isBlankCell(cells[i])) return i;
  return -1;
}
