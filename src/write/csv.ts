// Delimited-text results: UTF-8 with a byte-order mark (without it Excel reads é as Ã©), RFC 4180
// quoting, CRLF line ends as RFC 4180 writes them and as Excel itself saves CSV.
import type { CellValue } from '../pipeline/types.js';
import { dateCellText, startsLikeFormula } from './cells.js';
import { PIECE_CHARS } from './buffers.js';
import type { FileSink } from './file-sink.js';

// A plain decimal number, optionally signed or in exponent form: what a spreadsheet reads as a number
// and can never run. `-2+3`, `-1,200` or `-A1` do not match, so they keep their guard.
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A text a spreadsheet would take for a formula (`=HYPERLINK(...)`, `@SUM(1)`, `+cmd|...`) gets a
 * leading `'`, so Excel and LibreOffice show it as text and never run it. Plain numbers such as
 * `-5` or `-12.50` stay as they are: they run nothing and a price column must still read as numbers.
 */
export function neutralise(text: string): string {
  if (!startsLikeFormula(text) || PLAIN_NUMBER.test(text)) return text;
  return `'${text}`;
}

/** A cell as the text a CSV holds; dates as `YYYY-MM-DD`, booleans as the words Excel reads back. */
export function csvText(cell: CellValue): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return neutralise(cell);
  if (typeof cell === 'number') return neutralise(numberText(cell));
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (cell.kind === 'date') return dateCellText(cell);
  return neutralise(cell.text);
}

/** Below this, an integer has at most 15 digits and is written as it is: the common case, kept quick. */
const WHOLE_LIMIT = 1e15;
/** The digits Excel keeps and shows of a number. */
const EXCEL_DIGITS = 15;

/**
 * A number of an XLSX cell as Excel holds and shows it, at most 15 significant digits: 223.5 for the
 * 223.49999999999997 a sum may store, which all 17 digits would write, and which the price reader
 * (at 15 digits too) would read back as another number than the results show.
 */
function numberText(n: number): string {
  if (Number.isInteger(n) && n < WHOLE_LIMIT && n > -WHOLE_LIMIT) return String(n);
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(EXCEL_DIGITS)));
}

/** The delimiters a results file is written with: the ones the reader recognises. */
export type CsvDelimiter = ',' | ';' | '\t';

// RFC 4180 quoting, quotes doubled, for a field holding a quote, any \n or \r (a lone line feed would
// break its row in Excel), or any of the delimiters, whichever this file uses: a spreadsheet opening
// it with another separator than it was written with (its locale's, or the user's choice) must
// still see each cell whole, and never a piece after a `;` that starts with `=`.
const NEEDS_QUOTES = /[",;\t\r\n]/;

/** One row as a line of delimited text, CRLF-ended. */
export function csvLine(cells: readonly CellValue[], delimiter: CsvDelimiter): string {
  let text = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) text += delimiter;
    const cell = cells[i];
    if (cell === null || cell === undefined) continue;
    const field = csvText(cell);
    text += NEEDS_QUOTES.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
  }
  return `${text}\r\n`;
}

export class CsvSheet {
  private piece = '';
  private aborted = false;

  constructor(
    private readonly sink: FileSink,
    private readonly delimiter: CsvDelimiter,
    header: readonly CellValue[],
  ) {
    void sink.writeText('\ufeff' + csvLine(header, delimiter));
  }

  /** A promise only when the file's buffers are all in use and the caller must wait for the disk. */
  addRow(cells: readonly CellValue[]): Promise<void> | undefined {
    if (this.aborted) throw new Error('results sheet is aborted');
    this.piece += csvLine(cells, this.delimiter);
    if (this.piece.length < PIECE_CHARS) return undefined;
    const piece = this.piece;
    this.piece = '';
    return this.sink.writeText(piece);
  }

  /** Hands the last rows to the sink; its owner (a TempFile) ends it. */
  async close(): Promise<void> {
    if (this.piece !== '') await this.sink.writeText(this.piece);
    this.piece = '';
  }

  abort(): void {
    this.aborted = true;
    this.piece = '';
  }
}
