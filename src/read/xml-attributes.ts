// The attributes of the start tag the XML scanner is opening, kept as offsets into the chunk: an
// attribute is checked as it is read, but cut out and decoded only when a handler asks for it.
// A tag repeating an attribute, or with more than 64, is refused.
import { checkValue, decodeValue, NAME_CHAR, XmlSyntaxError } from './xml-text.js';

// Declared here, not shared with xml-scanner.ts: V8 folds a module's own constants into the hot
// loops, while an imported one is read from its module every time (the scan was ~9% slower).
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const AMP = 0x26;
const APOSTROPHE = 0x27;
const SLASH = 0x2f;
const LT = 0x3c;
const EQUALS = 0x3d;
const GT = 0x3e;

export class StartTagAttributes {
  // Offsets into `source`: name start, name end, value start, value end, for each attribute.
  private source = '';
  private count = 0;
  private readonly offsets = new Int32Array(4 * 64);
  private plain = new Uint8Array(64);

  /** Forgets the attributes of the tag before: those read next are of a tag in `source`. */
  clear(source: string): void {
    this.source = source;
    this.count = 0;
  }

  /** An attribute of the tag, decoded; undefined when it has none. */
  get(name: string): string | undefined {
    const s = this.source;
    const offsets = this.offsets;
    next: for (let k = 0; k < this.count; k++) {
      const start = offsets[4 * k] as number;
      if ((offsets[4 * k + 1] as number) - start !== name.length) continue;
      for (let j = 0; j < name.length; j++) if (s.charCodeAt(start + j) !== name.charCodeAt(j)) continue next;
      const value = s.slice(offsets[4 * k + 2], offsets[4 * k + 3]);
      return this.plain[k] ? value : decodeValue(value);
    }
    return undefined;
  }

  /** Reads the attribute at `i` into the offsets; returns where it ends, or -1 when the chunk ends first. */
  readAt(s: string, start: number): number {
    const n = s.length;
    let i = start;
    let valid = true;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 128 ? NAME_CHAR[c] === 0 : c < 0xb7) {
        if (isSpace(c) || c === EQUALS || c === GT || c === SLASH) break;
        valid = false;
      }
    }
    if (i >= n) return -1;
    const nameEnd = i;
    const first = s.charCodeAt(start);
    if (!valid || nameEnd === start || (first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2e) {
      throw new XmlSyntaxError('disallowed character in attribute name');
    }
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    if (i >= n) return -1;
    if (s.charCodeAt(i) !== EQUALS) throw new XmlSyntaxError('attribute without value');
    i++;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    if (i >= n) return -1;
    const quote = s.charCodeAt(i);
    if (quote !== QUOTE && quote !== APOSTROPHE) throw new XmlSyntaxError('unquoted attribute value');
    const valueStart = i + 1;
    let plain = true;
    for (i = valueStart; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === quote) break;
      if (c < SPACE || c === AMP || c === LT || c >= 0xd800) plain = false;
    }
    if (i >= n) return -1;
    const valueEnd = i;
    if (!plain) checkValue(s.slice(valueStart, valueEnd));
    const offsets = this.offsets;
    const count = this.count;
    for (let k = 0; k < count; k++) {
      if (sameText(s, offsets[4 * k] as number, offsets[4 * k + 1] as number, start, nameEnd)) {
        throw new XmlSyntaxError(`duplicate attribute: ${s.slice(start, nameEnd)}`);
      }
    }
    if (count === 64) throw new XmlSyntaxError('too many attributes');
    offsets[4 * count] = start;
    offsets[4 * count + 1] = nameEnd;
    offsets[4 * count + 2] = valueStart;
    offsets[4 * count + 3] = valueEnd;
    this.plain[count] = plain ? 1 : 0;
    this.count = count + 1;
    i++;
    if (i < n && !endsName(s.charCodeAt(i))) throw new XmlSyntaxError('no whitespace between attributes');
    return i;
  }
}

function sameText(s: string, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++) if (s.charCodeAt(aStart + k) !== s.charCodeAt(bStart + k)) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

function endsName(c: number): boolean {
  return isSpace(c) || c === GT || c === SLASH;
}
