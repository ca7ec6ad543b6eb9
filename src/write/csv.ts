// Delimited-text results: UTF-8 with a byte-order mark (without it Excel reads é as Ã©), RFC 4180
// quoting by csv-stringify, CRLF line ends as RFC 4180 writes them and as Excel itself saves CSV.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import type { CellValue } from '../pipeline/types.js';
import { dateCellText, startsLikeFormula } from './cells.js';

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
  if (typeof cell === 'number') return neutralise(String(cell));
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (cell.kind === 'date') return dateCellText(cell);
  return neutralise(cell.text);
}

export class CsvSheet {
  private readonly stringifier: Stringifier;
  private readonly done: Promise<void>;

  constructor(stream: Writable, delimiter: ',' | '\t', header: readonly CellValue[]) {
    this.stringifier = stringify({
      bom: true,
      delimiter,
      record_delimiter: 'windows',
      // Given a record delimiter, csv-stringify only quotes fields holding that exact CRLF; a cell with a
      // lone line feed would then break its row in Excel. Quote on any \n or \r.
      quote_record_delimiter: true,
    });
    this.done = pipeline(this.stringifier, stream);
    // Seen by addRow/close; without a handler here a failed write would also be an unhandled rejection.
    this.done.catch(() => undefined);
    this.stringifier.write(header.map(csvText));
  }

  async addRow(cells: readonly CellValue[]): Promise<void> {
    if (!this.stringifier.write(cells.map(csvText))) {
      // Wait for the disk to catch up, or for the failure that stopped it.
      await Promise.race([once(this.stringifier, 'drain'), this.done]);
    }
  }

  async close(): Promise<void> {
    this.stringifier.end();
    await this.done;
  }

  async abort(): Promise<void> {
    this.stringifier.destroy();
    await this.done.catch(() => undefined);
  }
}
