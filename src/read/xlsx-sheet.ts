// What the XML of an .xlsx means, read off XmlScanner events: the shared strings and the rows of a
// sheet (the number formats of the cell styles are in xlsx-formats.ts, the text and dates of cells in
// xlsx-cell-values.ts). Each reads a cell the way this tool always has (it read through exceljs's
// streaming reader, which is slow for a large sheet): formulas give way to their cached values, inline
// rich text is one string, cells and rows without a reference are numbered as they come, a date is a
// number whose format shows a date, worked out from the serial number without a JS Date (calendar.ts),
// or ISO 8601 text in a cell typed `d`. Unlike exceljs, it does not read as empty a formula that was
// never calculated, nor a cell whose shared text the workbook does not have.
import type { CellValue, ErrorCell, SourceRow } from '../pipeline/types.js';
import { excelSerialToDate } from './calendar.js';
import { isBlankRow, unescapeFormulaText } from './cells.js';
import type { CellStyles, StyleLook } from './xlsx-formats.js';
import { XmlSyntaxError, type ContentMode, type XmlHandler, type XmlScanner } from './xml-scanner.js';
import { columnLetters, columnNumber } from './cell-refs.js';
import { inlineText, ISO_TIME, isoDateCell, throughDate, xmlDecode } from './xlsx-cell-values.js';

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

/**
 * A formula cell without a cached value: written by a program (openpyxl, exceljs, a script) that does
 * not calculate, and saved since by none that does. Its value is unknown, not empty: read as empty, a
 * price would fall back to the package's full price. The text is what the results and retry sheets
 * show in its place; every field but a package name refuses it when a retry sheet is imported as is.
 */
const UNCALCULATED: ErrorCell = Object.freeze({ kind: 'error', text: '(formula never calculated)', uncalculated: true });
const NO_STRINGS: ReadonlyArray<string | null> = [];

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
  /** Whether the cell holds a formula (`<f>`), whose content is skipped unread. */
  private formula = false;
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
    if (name === 'f') {
      this.formula = true;
      return 'skip';
    }
    if (name === 'rPh') return 'skip';
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
    this.formula = false;
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
    if (this.value === undefined) {
      if (!this.formula) return;
      this.problems[col] = undefined;
      this.values[col] = UNCALCULATED;
      return;
    }
    this.problems[col] = undefined;
    if (this.type === 'd') this.values[col] = this.dateValue(this.value, col);
    else this.values[col] = this.cellValue(this.value, this.type, this.looks[col], col);
  }

  /** The cell's reference for messages: as written, or worked out when the cell has none. */
  private cellName(col: number): string {
    return this.ref ?? columnLetters(col) + this.row;
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
    this.problems[col] = `cell ${this.cellName(col)}: "${written}" is typed as a date but is not one (expected YYYY-MM-DD)`;
    return written;
  }

  /** The value as exceljs gave it: numbers stay raw until the row ends, when the cell's style is final. */
  private cellValue(text: string, type: string | undefined, look: StyleLook | undefined, col: number): CellValue {
    switch (type) {
      case 's':
        return this.sharedText(text, col);
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

  /**
   * The shared text a cell refers to by number. A number the workbook's table does not have is a
   * damaged file (exceljs read it as an empty cell): a problem of the row, never a value left out.
   */
  private sharedText(text: string, col: number): CellValue {
    const index = parseInt(text, 10);
    const strings = this.shared ?? NO_STRINGS;
    if (index >= 0 && index < strings.length) return strings[index] ?? null;
    if (text.trim() === '') return null;
    this.problems[col] =
      `cell ${this.cellName(col)}: its text should be entry ${text.trim()} of the workbook's shared text, which has ${strings.length} entries, ` +
      'so its value is lost: the file is damaged; open it in Excel or LibreOffice, let it repair the file, and check this cell';
    return null;
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
