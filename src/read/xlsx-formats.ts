// The number formats of a workbook's cell styles (styles.xml), as exceljs read them: a cell's style
// index names an entry of `cellXfs`, whose number format is one of the workbook's own (`numFmts`) or
// one of Excel's built-in ones. Whether a number is a date depends on it.
import { classifyNumFmt } from './calendar.js';
import type { XmlHandler, XmlScanner } from './xml-scanner.js';
import { XmlSyntaxError } from './xml-text.js';

/** Excel's built-in number formats, by id. */
const BUILT_IN_FORMATS: Readonly<Record<number, string>> = {
  1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%', 11: '0.00E+00', 12: '# ?/?', 13: '# ??/??',
  14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM', 20: 'h:mm',
  21: 'h:mm:ss', 22: 'm/d/yy "h":mm', 37: '#,##0 ;(#,##0)', 38: '#,##0 ;[Red](#,##0)', 39: '#,##0.00 ;(#,##0.00)',
  40: '#,##0.00 ;[Red](#,##0.00)', 45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0', 48: '##0.0E+0', 49: '@',
  // East Asian Excel's own date formats: their codes differ by language (Japanese eras, Chinese and
  // Korean year, month and day), but in each of the four every one of these shows a date.
  ...Object.fromEntries([27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58].map((id) => [id, 'yyyy"年"m"月"d"日"'])),
};

/** Elements of styles.xml whose content belongs to them: an `xf` inside `cellStyleXfs` is not a cell style. */
const STYLE_SECTIONS = new Set(['numFmts', 'fonts', 'fills', 'borders', 'cellStyleXfs', 'cellXfs', 'dxfs', 'numFmt', 'font', 'fill', 'border', 'style', 'cellStyles', 'tableStyles', 'extLst']);

/** How the cells of each style show numbers. */
export class CellStyles implements XmlHandler {
  private readonly codes = new Map<number, string>();
  /** The number format id of each cell style (`cellXfs`), by style index. */
  private readonly formatIds: number[] = [];
  private section: string | undefined;
  private sectionDepth = 0;
  private depth = 0;
  private readonly looks: Array<StyleLook | null | undefined> = [];
  /** Whether a styles part was read: one without cell styles leaves a cell's style index meaning nothing. */
  private scanned = false;

  open(name: string, scanner: XmlScanner): void {
    this.scanned = true;
    this.depth++;
    if (this.section === undefined) {
      if (this.depth > 1 && STYLE_SECTIONS.has(name)) {
        this.section = name;
        this.sectionDepth = this.depth;
      }
    } else if (this.depth === this.sectionDepth + 1) {
      if (this.section === 'numFmts' && name === 'numFmt') {
        const code = scanner.attribute('formatCode');
        if (code !== undefined) this.codes.set(parseInt(scanner.attribute('numFmtId') ?? '', 10), code);
      } else if (this.section === 'cellXfs' && name === 'xf') {
        this.formatIds.push(parseInt(scanner.attribute('numFmtId') ?? '', 10));
      }
    }
  }

  text(): void {}

  close(): void {
    if (this.section !== undefined && this.depth === this.sectionDepth) this.section = undefined;
    this.depth--;
  }

  /** How style `index` (1 or more) shows a number; null when there is no such style (its cells keep their look). */
  look(index: number): StyleLook | null {
    if (this.scanned && this.formatIds.length === 0) {
      // exceljs failed on such a file; it is damaged, and its cells' formats cannot be known.
      throw new XmlSyntaxError('a cell has a style, but the workbook lists no cell styles');
    }
    let look = this.looks[index];
    if (look === undefined) {
      look = index >= 0 && index < this.formatIds.length ? styleLook(this.numFmt(this.formatIds[index] as number)) : null;
      this.looks[index] = look;
    }
    return look;
  }

  private numFmt(id: number): string | undefined {
    if (!id) return undefined;
    return this.codes.get(id) || BUILT_IN_FORMATS[id];
  }
}

export interface StyleLook {
  /** Whether exceljs took the number for a date (and so passed it through a JS Date, to the millisecond). */
  readonly viaDate: boolean;
  /** Whether this tool reads the number as a date. */
  readonly date: boolean;
  /** The format code as the workbook wrote it, for a number that is not read as a date; none for General. */
  readonly numFmt?: string;
}

const NO_FORMAT: StyleLook = { viaDate: false, date: false };

function styleLook(code: string | undefined): StyleLook {
  if (!code || /^general$/i.test(code)) return NO_FORMAT;
  // Backslash escapes are dropped, as exceljs did before the format was looked at.
  const numFmt = code.replace(/[\\](.)/g, '$1');
  const bare = numFmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  const viaDate = /[ymdhMsb]+/.test(bare);
  const date = classifyNumFmt(numFmt) === 'date';
  return date ? { viaDate, date } : { viaDate, date, numFmt: code };
}
