// What the XML of an .xlsx means, read off XmlScanner events: the shared strings and the rows of a
// sheet (the number formats of the cell styles are in xlsx-formats.ts). Each reads a cell the way this
// tool always has (it read through exceljs's streaming reader, which is slow for a large sheet):
// formulas give way to their cached values, inline rich text is one string, cells and rows without a
// reference are numbered as they come, a date is a number whose format shows a date, worked out from
// the serial number without a JS Date (calendar.ts), or ISO 8601 text in a cell typed `d`.
import type { CellValue, DateCell, ErrorCell, SourceRow } from '../pipeline/types.js';
import { excelSerialToDate, isoDate, isRealDate, UNIX_EPOCH_1900 } from './calendar.js';
import { isBlankRow, unescapeFormulaText } from './cells.js';
import type { CellStyles, StyleLook } from './xlsx-formats.js';
import { isPlainText, XmlScanner, XmlSyntaxError, type ContentMode, type XmlHandler } from './xml-scanner.js';
import { decodeText } from './xml-text.js';
import { columnLetters, columnNumber } from './cell-refs.js';

/** The shared strings of a workbook as the cells that hold them read. */
export class SharedStrings implements XmlHandler {
  readonly strings: Array<string | null> = [];
  private runs: Array<string | null> = [];
  /** The text since the last `<t>` (or run): exceljs kept all of it, whitespace between elements too. */
  private pending: string | null = null;

  content(name: string): ContentMode {
    return name === 'rPh' ? 'skip' : 'markup';
  }

  open(name: string): void {
    if (name === 'si') {
      this.runs = [];
      this.pending = null;
    } else if (name === 't') this.pending = null;
  }

  text(text: string): void {
    this.pending = this.pending ? this.pending + text : text;
  }

  close(name: string): void {
    if (name === 'r') {
      this.runs.push(this.pending);
      this.pending = null;
    } else if (name === 'si') {
      const whole = this.runs.length > 0 ? this.runs.map((run) => run ?? '').join('') : this.pending;
      this.strings.push(whole === null || whole === '' ? null : unescapeFormulaText(whole));
      this.runs = [];
      this.pending = null;
    }
  }
}

/** Excel's limit; a reference beyond it is not a cell. */
const MAX_COLUMN = 16384;

/** The rows of a worksheet, in the order they come; `take()` hands over those finished so far. */
export class SheetRows implements XmlHandler {
  private rows: SourceRow[] = [];
  private inSheetData = false;
  /** The row being read (-1 outside a row), and the row and column numbering of cells without references. */
  private row = -1;
  private lastRow = 0;
  private lastColumn = 0;
  // The cell being read: its reference, column (0 when the reference names none), style and type.
  private inCell = false;
  private ref: string | undefined;
  private column = 0;
  private style = 0;
  private type: string | undefined;
  /** The text of the cell's value, undefined when it has none. */
  private value: string | undefined;
  private capturing = false;
  // The row's cells so far, by column: values (numbers still raw) and the number formats of their styles.
  private values: Array<CellValue | undefined> = [];
  private looks: Array<StyleLook | undefined> = [];
  private widest = 0;
  /** What is wrong with cells of the row so far, by column (a date cell that holds no date). */
  private problems: Array<string | undefined> = [];

  constructor(
    private readonly shared: ReadonlyArray<string | null> | undefined,
    private readonly cellStyles: CellStyles,
    private readonly date1904: boolean,
  ) {}

  take(): SourceRow[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  content(name: string): ContentMode {
    if (name === 'f' || name === 'rPh') return 'skip';
    return name === 'is' ? 'raw' : 'markup';
  }

  open(name: string, scanner: XmlScanner, selfClosing: boolean): void {
    switch (name) {
      case 'sheetData':
        this.inSheetData = true;
        break;
      case 'row': {
        const r = parseInt(scanner.attribute('r') ?? '', 10);
        this.lastRow = Number.isFinite(r) ? r : this.lastRow + 1;
        this.lastColumn = 0;
        if (this.inSheetData && !selfClosing) this.row = this.lastRow;
        break;
      }
      case 'c':
        this.openCell(scanner.attribute('r'), scanner.attribute('s'), scanner.attribute('t'));
        break;
      case 'v':
      case 't':
      case 'is':
        if (this.inCell) {
          this.value = '';
          this.capturing = true;
        }
        break;
    }
  }

  text(text: string): void {
    if (this.capturing) this.value += text;
  }

  raw(inner: string): void {
    if (this.inCell) this.value = inlineText(inner);
  }

  close(name: string): void {
    if (name === 'c') this.closeCell();
    else if (name === 'row') this.closeRow();
    else if (name === 'sheetData') this.inSheetData = false;
  }

  private openCell(ref: string | undefined, style: string | undefined, type: string | undefined): void {
    const lettered = ref === undefined ? 0 : columnNumber(ref);
    this.lastColumn = lettered > 0 ? lettered : this.lastColumn + 1;
    if (this.row < 0) return;
    this.inCell = true;
    this.ref = ref;
    this.column = lettered > 0 ? referenceColumn(ref as string) : this.lastColumn;
    if (this.column > MAX_COLUMN) throw new XmlSyntaxError(`a cell is beyond the last column, ${columnLetters(MAX_COLUMN)}`);
    const s = parseInt(style ?? '', 10);
    this.style = s > 0 ? s : 0;
    this.type = type;
    this.value = undefined;
    this.capturing = false;
  }

  private closeCell(): void {
    if (!this.inCell) return;
    this.inCell = false;
    this.capturing = false;
    const col = this.column;
    if (col === 0) throw new XmlSyntaxError(`a cell reference names no column (${this.ref ?? ''})`);
    if (col > this.widest) this.widest = col;
    const look = this.style === 0 ? null : this.cellStyles.look(this.style);
    if (look) this.looks[col] = look;
    if (this.value === undefined) return;
    this.problems[col] = undefined;
    if (this.type === 'd') this.values[col] = this.dateValue(this.value, col);
    else this.values[col] = this.cellValue(this.value, this.type, this.looks[col]);
  }

  /**
   * A cell typed `d` holds ISO 8601 text (Strict OOXML, SheetJS `cellDates`, openpyxl `iso_dates`):
   * its calendar date is the date as written, whatever time or offset follows. A time alone is a time
   * of day, kept as its text; anything else is a problem of the row, never a date made up from it.
   */
  private dateValue(text: string, col: number): CellValue {
    const written = text.trim();
    if (written === '') return null;
    const date = isoDateCell(written);
    if (date) return date;
    if (ISO_TIME.test(written)) return written;
    this.problems[col] = `cell ${this.ref ?? columnLetters(col) + this.row}: "${written}" is typed as a date but is not one (expected YYYY-MM-DD)`;
    return written;
  }

  /** The value as exceljs gave it: numbers stay raw until the row ends, when the cell's style is final. */
  private cellValue(text: string, type: string | undefined, look: StyleLook | undefined): CellValue {
    switch (type) {
      case 's':
        return this.shared?.[parseInt(text, 10)] ?? null;
      case 'inlineStr':
      case 'str': {
        const decoded = xmlDecode(text);
        return decoded === '' ? null : unescapeFormulaText(decoded);
      }
      case 'e':
        return { kind: 'error', text } satisfies ErrorCell;
      case 'b':
        return parseInt(text, 10) !== 0;
      default: {
        const n = parseFloat(text);
        return look?.viaDate ? throughDate(n) : n;
      }
    }
  }

  private closeRow(): void {
    if (this.row < 0) return;
    const cells: CellValue[] = [];
    let formats: (string | undefined)[] | undefined;
    for (let col = 1; col <= this.widest; col++) {
      const raw = this.values[col];
      if (raw === undefined) continue;
      const value = typeof raw === 'number' ? this.numberValue(raw, this.looks[col]) : raw;
      if (value === null) continue;
      while (cells.length < col - 1) cells.push(null);
      cells[col - 1] = value;
      const numFmt = typeof value === 'number' ? this.looks[col]?.numFmt : undefined;
      if (numFmt !== undefined) (formats ??= [])[col - 1] = numFmt;
    }
    const problems = this.problems.filter((problem): problem is string => problem !== undefined);
    if (!isBlankRow(cells)) {
      if (problems.length === 0 && !formats) this.rows.push({ sourceRow: this.row, cells });
      else this.rows.push({ sourceRow: this.row, cells, ...(problems.length > 0 && { problems }), ...(formats && { formats }) });
    }
    this.values = [];
    this.looks = [];
    this.problems = [];
    this.widest = 0;
    this.row = -1;
  }

  private numberValue(n: number, look: StyleLook | undefined): CellValue {
    if (!Number.isFinite(n)) return null;
    if (look?.date) return excelSerialToDate(n, this.date1904) ?? n;
    return n;
  }
}

/**
 * The column of a cell reference as exceljs read it: capital letters before the row number; 0 for a
 * reference in small letters, which exceljs refused.
 */
function referenceColumn(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) n = n * 26 + c - 64;
    else if (c >= 0x30 && c <= 0x39) break; // the row number: nothing after it counts
  }
  return n;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const ISO_TIME = /^T?\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The date (and time of day, when not midnight) of ISO 8601 text, as written; undefined when it is not one. */
function isoDateCell(text: string): DateCell | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(year, month, day)) return undefined;
  const [h, min, sec] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (h > 23 || min > 59 || sec > 59) return undefined;
  const iso = isoDate(year, month, day);
  if (h === 0 && min === 0 && sec === 0) return { kind: 'date', iso };
  return { kind: 'date', iso, time: `${m[4]}:${m[5]}:${m[6] ?? '00'}` };
}

/**
 * A number through a JS Date to the millisecond and back, as exceljs turned a date-formatted number
 * into a Date and this reader took the serial number back from it.
 */
function throughDate(serial: number): number {
  const ms = Math.round((serial - UNIX_EPOCH_1900) * 24 * 3600 * 1000);
  return Math.abs(ms) <= 8.64e15 ? ms / 86_400_000 + UNIX_EPOCH_1900 : NaN;
}

/** exceljs decoded string cells once more after the XML parser had: `&amp;lt;` reads as `<`. */
function xmlDecode(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([a-z]*);/g, (entity) => XML_ENTITIES[entity] ?? entity);
}

const XML_ENTITIES: Readonly<Record<string, string>> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&apos;': "'", '&quot;': '"' };

const RUBY = /<([\w.-]+:)?rPh\b[\s\S]*?<\/([\w.-]+:)?rPh>/g;
const TEXT_RUN = /<(?:[\w.-]+:)?t(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/(?:[\w.-]+:)?t>)/g;

/** The text of an inline string (`<is>`): every run joined, phonetic guides left out. */
function inlineText(inner: string): string {
  let raw = '';
  for (const m of inner.replace(RUBY, '').matchAll(TEXT_RUN)) raw += m[1] ?? '';
  // Entities and line ends, as an XML parser reads the text of `<t>…</t>`...
  if (!raw.includes('<')) return isPlainText(raw) ? raw : decodeText(raw);
  // ...and markup inside the runs too, for which it takes a scanner.
  let text = '';
  const scanner = new XmlScanner({
    open() {},
    close() {},
    text(part) {
      text += part;
    },
  });
  scanner.push(`<t>${raw}</t>`, true);
  return text;
}
