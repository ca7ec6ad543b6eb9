// Splitting CSV text into records, the way csv-parse does with the options this tool reads CSV with:
// `relax_quotes`, `relax_column_count`, no trimming, empty lines kept, a maximum record size, and every
// line break outside quotes (CR LF, LF or a lone CR) ending a record, as Excel reads a file whose
// lines end in different ways (rows added to a CR LF template by a program that writes LF). csv-parse
// moves every byte of a field into a buffer of its own and checks a dozen options on the way; here a
// field is found by scanning decoded text and cut out of it, which is several times faster.
// test/read/csv-records.test.ts holds the two to the same records and the same errors on thousands
// of generated inputs cut into random chunks.

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Why the text cannot be split: a quote never closed, or a record too large to be data. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly code: 'CSV_QUOTE_NOT_CLOSED' | 'CSV_MAX_RECORD_SIZE',
    /** Records read before the one that failed. */
    readonly records: number,
  ) {
    super(code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote is never closed' : 'a record is too large');
    this.name = 'CsvSyntaxError';
  }
}

export class CsvRecords {
  /** Records read so far, blank ones included: the next record is number `records + 1`. */
  records = 0;
  private readonly delimiter: number;
  // The record under way when a chunk ends in the middle of it.
  private record: string[] = [];
  /** Characters of the record's finished fields, as csv-parse counts them for its size limit. */
  private recordLength = 0;
  private field = '';
  private quoting = false;
  private wasQuoting = false;
  /** The last characters of a chunk, kept when deciding on them needs the next one. */
  private carry = '';

  constructor(
    delimiter: ',' | ';' | '\t',
    /** csv-parse's `max_record_size`: the bytes (UTF-8) a record may hold before the file is refused. */
    private readonly maxRecordBytes: number,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** The records that `text` completes, in order; `final` with the last text (which may be ''). */
  push(text: string, final: boolean): string[][] {
    const s = this.carry === '' ? text : this.carry + text;
    this.carry = '';
    const n = s.length;
    const out: string[][] = [];
    const D = this.delimiter;
    let { record, field, quoting, wasQuoting } = this;
    let i = 0;
    /** Start of the field's characters not yet added to `field`. */
    let run = 0;
    const endField = (end: number): void => {
      field = field === '' ? detached(s.slice(run, end)) : detached(field + s.slice(run, end));
      if (field.length > 0) this.checkSize(field);
      record.push(field);
      this.recordLength += field.length;
      field = '';
      wasQuoting = false;
    };
    const endRecord = (): void => {
      this.records++;
      out.push(record);
      record = [];
      this.recordLength = 0;
    };
    scan: while (i < n) {
      if (quoting) {
        const q = s.indexOf('"', i);
        if (q < 0) {
          i = n;
          break;
        }
        i = q;
        if (i + 2 >= n && !final) break;
        field += s.slice(run, i);
        if (s.charCodeAt(i + 1) === QUOTE) {
          // `""` inside quotes: one quote, a plain character of the field.
          run = i + 1;
          i += 2;
          continue;
        }
        quoting = false;
        wasQuoting = true;
        if (this.closesQuote(s, i + 1)) {
          i++;
          run = i;
          continue;
        }
        // Text after the closing quote: the field keeps its quotes as written.
        field = `"${field}`;
        run = i;
        i++;
        continue;
      }
      // Outside quotes, a quote opens a field only as its first character.
      if (i === run && field === '' && s.charCodeAt(i) === QUOTE) {
        quoting = true;
        i++;
        run = i;
        continue;
      }
      for (;;) {
        if (i >= n) break scan;
        const c = s.charCodeAt(i);
        if (c === D) {
          endField(i);
          i++;
          run = i;
          continue scan;
        }
        if (c === CR || c === LF) {
          // A carriage return at the end of the text may be the first half of CR LF.
          if (c === CR && i + 1 >= n && !final) break scan;
          endField(i);
          endRecord();
          i += c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1;
          run = i;
          continue scan;
        }
        i++;
      }
    }
    if (i > n) i = n;
    if (!final) {
      field = detached(field + s.slice(run, i));
      this.carry = s.slice(i);
      // A record that never ends must still be refused before it fills the memory.
      if (field.length > 0) this.checkSize(field);
      Object.assign(this, { record, field, quoting, wasQuoting });
      return out;
    }
    if (quoting) {
      // The field may have passed the size limit first.
      field += s.slice(run, i);
      if (field.length > 0) this.checkSize(field);
      throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', this.records);
    }
    if (wasQuoting || record.length > 0 || field.length > 0 || i > run) {
      endField(i);
      endRecord();
    }
    Object.assign(this, { record, field: '', quoting: false, wasQuoting: false });
    return out;
  }

  /**
   * Whether a quote inside a quoted field, followed by the character at `at`, closes it: at the end of
   * the text, before a delimiter or a line break, or before a NUL, which csv-parse takes for the end.
   */
  private closesQuote(s: string, at: number): boolean {
    if (at >= s.length) return true;
    const c = s.charCodeAt(at);
    return c === 0 || c === this.delimiter || c === LF || c === CR;
  }

  /**
   * csv-parse refuses a record when, before it adds a byte to a field, the record's finished fields
   * (counted in characters) and the field's bytes so far come to more than the limit.
   */
  private checkSize(field: string): void {
    // A character is at most 3 bytes: most fields are far from the limit without counting.
    if (this.recordLength + 3 * field.length - 1 <= this.maxRecordBytes) return;
    if (this.recordLength + Buffer.byteLength(field) - 1 > this.maxRecordBytes) {
      throw new CsvSyntaxError('CSV_MAX_RECORD_SIZE', this.records);
    }
  }
}

/**
 * The text as a string of its own. A slice of 13 characters or more points into the chunk it was cut
 * from and keeps the whole chunk alive, and a field that outlives its row (a package name, an email
 * kept for a lookup) would hold a quarter of a megabyte each; joining a character on and slicing it
 * off again makes V8 copy the text.
 */
function detached(text: string): string {
  return text.length < 13 ? text : `${text} `.slice(0, -1);
}
