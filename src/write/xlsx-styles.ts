// The cell styles of a workbook this tool writes: each look a cell can have (number format, bold or
// coloured font, fill, left alignment) gets an index the first time it is asked for, and styles.xml
// lists them at the end. The looks themselves (status colours, date formats) are here too.
import type { Status } from '../pipeline/types.js';
import { escapeXml } from './xlsx-text.js';

export interface CellLook {
  readonly numFmt?: string;
  readonly bold?: boolean;
  /** ARGB of the font colour. */
  readonly color?: string;
  /** ARGB of a solid fill. */
  readonly fill?: string;
  readonly alignLeft?: boolean;
}

export const DATE_FORMAT = 'yyyy-mm-dd';
export const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** Text format keeps a formula-looking text text even after someone edits the cell in Excel. */
export const TEXT_FORMAT = '@';
/** The light blue behind the headers of the columns this tool adds. */
export const ADDED_HEADER_FILL = 'FFDDEBF7';

// Excel's own "Good", "Bad" and "Neutral" cell styles, and greys: they read in Excel and LibreOffice,
// on screen and printed in black and white, and the status word stays in the cell for colour-blind eyes.
const STATUS_LOOKS: Readonly<Record<Status, readonly [fill: string, font: string]>> = {
  created: ['FFC6EFCE', 'FF006100'],
  skipped: ['FFE2EFDA', 'FF375623'],
  would_create: ['FFD9EAD3', 'FF274E13'],
  valid: ['FFEBF1DE', 'FF4F6228'],
  duplicate: ['FFFFEB9C', 'FF9C5700'],
  invalid: ['FFFFC7CE', 'FF9C0006'],
  failed: ['FFFFC7CE', 'FF9C0006'],
  pending: ['FFD9D9D9', 'FF404040'],
};

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && Object.hasOwn(STATUS_LOOKS, value);
}

const STATUS_CELL_LOOKS = Object.fromEntries(
  Object.entries(STATUS_LOOKS).map(([status, [fill, color]]) => [status, Object.freeze({ fill, color })]),
) as Record<Status, CellLook>;

/** A status cell: coloured fill and font, the status word as plain text. */
export function statusLook(status: Status): CellLook {
  return STATUS_CELL_LOOKS[status];
}

/** Excel's built-in number formats that this tool writes, by code. */
const BUILT_IN_FORMATS: Readonly<Record<string, number>> = { General: 0, '0': 1, '0.00': 2, '#,##0': 3, '#,##0.00': 4, '@': 49 };
const FIRST_CUSTOM_FORMAT = 164;

// A font without a name makes LibreOffice fall back to a serif face; Calibri 11 is the workbook's default.
const BODY_FONT = '<family val="2"/><sz val="11"/><name val="Calibri"/>';
const DEFAULT_FONT = `<font><color theme="1"/><family val="2"/><scheme val="minor"/><sz val="11"/><name val="Calibri"/></font>`;

export class StyleSheet {
  private readonly xfs: string[] = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'];
  private readonly byKey = new Map<string, number>([[lookKey({}), 0]]);
  /** Shared, frozen looks (a date cell's, a status's) by identity: one lookup per cell instead of a key. */
  private readonly byLook = new Map<CellLook, number>();
  private readonly fonts: string[] = [DEFAULT_FONT];
  private readonly fills: string[] = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>'];
  private readonly formats = new Map<string, number>();

  /** The index of a look, 0 for the plain one. */
  index(look: CellLook): number {
    const known = this.byLook.get(look);
    if (known !== undefined) return known;
    const key = lookKey(look);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.xfs.length;
      this.xfs.push(this.xf(look));
      this.byKey.set(key, index);
    }
    if (Object.isFrozen(look)) this.byLook.set(look, index);
    return index;
  }

  xml(): string {
    const formats = [...this.formats].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${escapeXml(code)}"/>`);
    return (
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ' +
      'mc:Ignorable="x14ac x16r2" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main">' +
      (formats.length > 0 ? `<numFmts count="${formats.length}">${formats.join('')}</numFmts>` : '') +
      `<fonts count="${this.fonts.length}" x14ac:knownFonts="1">${this.fonts.join('')}</fonts>` +
      `<fills count="${this.fills.length}">${this.fills.join('')}</fills>` +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${this.xfs.length}">${this.xfs.join('')}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
      '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/>' +
      '</styleSheet>'
    );
  }

  private xf(look: CellLook): string {
    const numFmtId = look.numFmt === undefined ? 0 : this.formatId(look.numFmt);
    const fontId = look.bold || look.color ? this.fontId(look) : 0;
    const fillId = look.fill ? this.fillId(look.fill) : 0;
    let attrs = `numFmtId="${numFmtId}" fontId="${fontId}" fillId="${fillId}" borderId="0" xfId="0"`;
    if (numFmtId !== 0) attrs += ' applyNumberFormat="1"';
    if (fontId !== 0) attrs += ' applyFont="1"';
    if (fillId !== 0) attrs += ' applyFill="1"';
    if (look.alignLeft) return `<xf ${attrs} applyAlignment="1"><alignment horizontal="left"/></xf>`;
    return `<xf ${attrs}/>`;
  }

  private formatId(code: string): number {
    const builtIn = BUILT_IN_FORMATS[code];
    if (builtIn !== undefined) return builtIn;
    let id = this.formats.get(code);
    if (id === undefined) {
      id = FIRST_CUSTOM_FORMAT + this.formats.size;
      this.formats.set(code, id);
    }
    return id;
  }

  private fontId(look: CellLook): number {
    const font = `<font>${look.bold ? '<b/>' : ''}${look.color ? `<color rgb="${look.color}"/>` : ''}${BODY_FONT}</font>`;
    return indexIn(this.fonts, font);
  }

  private fillId(argb: string): number {
    return indexIn(this.fills, `<fill><patternFill patternType="solid"><fgColor rgb="${argb}"/></patternFill></fill>`);
  }
}

function lookKey(look: CellLook): string {
  return `${look.numFmt ?? ''}|${look.bold ? 'b' : ''}|${look.color ?? ''}|${look.fill ?? ''}|${look.alignLeft ? 'l' : ''}`;
}

function indexIn(list: string[], item: string): number {
  const found = list.indexOf(item);
  if (found >= 0) return found;
  list.push(item);
  return list.length - 1;
}
