// Cell references (`AB12`), and XmlNormaliser: a rewriter of sheet XML that gives files from other
// writers the shape exceljs's parser expects. exceljs matches element names literally and keeps only
// what Excel itself writes; in files from other tools it would lose:
// - every cell of a sheet written with a namespace prefix (`<x:row>`, from the OpenXML SDK);
// - the cached result of a formula that is an error or a boolean (it parses them as numbers), so
//   formulas are removed and each cell keeps only its cached value, which is what Excel shows;
// - all but the last run of inline rich text, so an inline string becomes one plain `<t>`;
// - cells without an `r` reference (it throws), so missing row and cell references are filled in;
// - the text of phonetic guides (`<rPh>`), which it would show instead of the cell's text.
// The reader itself (xml-scanner.ts, xlsx-sheet.ts) reads such files the same way in one pass.

const NAME_END = /[\s/>]/;

/**
 * The longest piece of markup waited for across chunks. An unfinished element is scanned again with
 * every chunk, so an element that never ends (a zip bomb) would cost time quadratic in its length;
 * Excel's own limit is 32,767 characters a cell, far below this.
 */
export const MAX_ELEMENT_CHARS = 4 * 1024 * 1024;

export class XmlNormaliser {
  /** The namespace prefix of the root element ('' for none); undefined until it is seen. */
  private prefix: string | undefined;
  private row = 0;
  private col = 0;
  private carry = '';

  constructor(private readonly sheet: boolean) {}

  push(text: string, final: boolean): string {
    const s = this.carry + text;
    this.carry = '';
    const out: string[] = [];
    let i = 0;
    while (i < s.length) {
      const lt = s.indexOf('<', i);
      if (lt < 0) {
        out.push(s.slice(i));
        break;
      }
      if (lt > i) out.push(s.slice(i, lt));
      const next = this.tag(s, lt, out);
      if (next < 0) {
        // An element is cut by the chunk boundary: wait for the rest, unless there is no more.
        if (final) out.push(s.slice(lt));
        else if (s.length - lt > MAX_ELEMENT_CHARS) throw new Error(`an element of the sheet is longer than ${MAX_ELEMENT_CHARS} characters`);
        else this.carry = s.slice(lt);
        break;
      }
      i = next;
    }
    return out.join('');
  }

  /** Handles the markup starting at `lt`; returns where to go on, or -1 when more text is needed. */
  private tag(s: string, lt: number, out: string[]): number {
    const first = s[lt + 1];
    if (first === undefined) return -1;
    if (first === '?' || first === '!') return this.passThrough(s, lt, out);
    const closing = first === '/';
    const nameStart = lt + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < s.length && !NAME_END.test(s[nameEnd] ?? '')) nameEnd++;
    if (nameEnd >= s.length) return -1;
    const name = s.slice(nameStart, nameEnd);
    if (this.prefix === undefined && !closing) this.prefix = name.includes(':') ? name.slice(0, name.indexOf(':')) : '';
    const local = this.prefix && name.startsWith(`${this.prefix}:`) ? name.slice(this.prefix.length + 1) : name;
    if (closing) {
      out.push('</', local);
      return nameEnd;
    }
    if (local === 'rPh' || (this.sheet && local === 'f')) return this.skipElement(s, nameEnd, name);
    if (this.sheet && local === 'is') return this.inlineString(s, nameEnd, name, out);
    if (this.sheet && (local === 'row' || local === 'c')) return this.reference(s, nameEnd, local, out);
    out.push('<', local);
    return nameEnd;
  }

  private passThrough(s: string, lt: number, out: string[]): number {
    let terminator = '>';
    if (s.startsWith('<?', lt)) terminator = '?>';
    else if (s.startsWith('<!--', lt)) terminator = '-->';
    else if (s.startsWith('<![CDATA[', lt)) terminator = ']]>';
    else if (s.length - lt < 9) return -1;
    const end = s.indexOf(terminator, lt + 2);
    if (end < 0) return -1;
    out.push(s.slice(lt, end + terminator.length));
    return end + terminator.length;
  }

  private skipElement(s: string, nameEnd: number, name: string): number {
    const gt = s.indexOf('>', nameEnd);
    if (gt < 0) return -1;
    if (s[gt - 1] === '/') return gt + 1;
    const closeTag = `</${name}>`;
    const close = s.indexOf(closeTag, gt);
    return close < 0 ? -1 : close + closeTag.length;
  }

  private inlineString(s: string, nameEnd: number, name: string, out: string[]): number {
    const gt = s.indexOf('>', nameEnd);
    if (gt < 0) return -1;
    if (s[gt - 1] === '/') {
      out.push('<is/>');
      return gt + 1;
    }
    const closeTag = `</${name}>`;
    const close = s.indexOf(closeTag, gt);
    if (close < 0) return -1;
    const inner = s.slice(gt + 1, close).replace(/<([\w.-]+:)?rPh\b[\s\S]*?<\/([\w.-]+:)?rPh>/g, '');
    let text = '';
    for (const m of inner.matchAll(/<(?:[\w.-]+:)?t(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/(?:[\w.-]+:)?t>)/g)) text += m[1] ?? '';
    out.push('<is><t>', text, '</t></is>');
    return close + closeTag.length;
  }

  private reference(s: string, nameEnd: number, local: 'row' | 'c', out: string[]): number {
    const gt = s.indexOf('>', nameEnd);
    if (gt < 0) return -1;
    let attrs = s.slice(nameEnd, gt);
    const ref = /\sr\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1];
    if (local === 'row') {
      const n = ref === undefined ? NaN : parseInt(ref, 10);
      this.row = Number.isFinite(n) ? n : this.row + 1;
      this.col = 0;
      if (!Number.isFinite(n)) attrs = withAttribute(attrs, `r="${this.row}"`);
    } else {
      const col = ref === undefined ? 0 : columnNumber(ref);
      this.col = col > 0 ? col : this.col + 1;
      if (col <= 0) attrs = withAttribute(attrs, `r="${columnLetters(this.col)}${this.row}"`);
    }
    out.push('<', local, attrs, '>');
    return gt + 1;
  }
}

function withAttribute(attrs: string, attr: string): string {
  const withoutRef = attrs.replace(/\sr\s*=\s*["'][^"']*["']/, '');
  return withoutRef.endsWith('/') ? `${withoutRef.slice(0, -1)} ${attr}/` : `${withoutRef} ${attr}`;
}

/** 1-based column number of a cell reference such as `AB12`, or 0 when there is none. */
export function columnNumber(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code >= 65 && code <= 90) n = n * 26 + code - 64;
    else if (code >= 97 && code <= 122) n = n * 26 + code - 96;
    else break;
  }
  return n;
}

export function columnLetters(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}
