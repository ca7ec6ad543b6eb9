// A streaming XML scanner for the parts of an .xlsx: start tags with their attributes, text with its
// entities decoded and its line ends normalised, end tags. It refuses what the XML parser under
// exceljs (saxes) refused: end tags that do not match, bad entities, characters XML does not allow,
// unquoted or repeated attributes, text outside the root, a second root. Element names come without
// the namespace prefix of the root element, so a sheet written with `<x:row>` reads like `<row>`.
// An element a handler does not want parsed is skipped unread, or handed over raw, up to its end tag.
//
// A large sheet is tens of millions of tags, so the scanner works on character codes and offsets:
// the names it has seen are kept and matched in place, attributes are cut out only when asked for.
import { StartTagAttributes } from './xml-attributes.js';
import { ElementNames, type KnownName } from './xml-element-names.js';
import { decodeText, NAME_CHAR, plainUpTo, XmlSyntaxError } from './xml-text.js';

export { isPlainText, XmlSyntaxError } from './xml-text.js';

/**
 * The longest piece of markup waited for across chunks. An unfinished element is scanned again with
 * every chunk, so an element that never ends (a zip bomb) would cost time quadratic in its length;
 * Excel's own limit is 32,767 characters a cell, far below this.
 */
export const MAX_ELEMENT_CHARS = 4 * 1024 * 1024;

export type ContentMode = 'markup' | 'skip' | 'raw';

export interface XmlHandler {
  /** How to take an element's content; 'markup' when absent. Asked before `open`; a skipped element is never opened. */
  content?(name: string): ContentMode;
  open(name: string, scanner: XmlScanner, selfClosing: boolean): void;
  /** Text inside the root, entities decoded. */
  text(text: string): void;
  close(name: string): void;
  /** The content of an element taken raw, as written between its tags. */
  raw?(inner: string): void;
}

// Declared here, not shared with xml-attributes.ts: imported constants made the scan ~9% slower.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const SLASH = 0x2f;
const GT = 0x3e;

export class XmlScanner {
  /** Names of the open elements as written, and without the prefix, innermost last. */
  private readonly stack: KnownName[] = [];
  private rootClosed = false;
  /** The chunk being read, and how far. */
  private text = '';
  private at = 0;
  private carry = '';
  /** Element names seen so far, and the root's prefix. */
  private readonly names = new ElementNames();
  /** The attributes of the start tag being opened. */
  private readonly attributes = new StartTagAttributes();

  constructor(private readonly handler: XmlHandler) {}

  /** Scans the text of one more chunk; `final` with the last (it may be ''). */
  push(text: string, final: boolean): void {
    this.start(text);
    while (this.scan(Infinity, final)) {
      // all of it
    }
  }

  /** Takes the text of one more chunk, to read with `scan`. */
  start(text: string): void {
    this.text = text;
    this.at = 0;
  }

  /**
   * Scans about `chars` more characters of the chunk, to the next markup at or past them; false once
   * the chunk is done. The scanning works on the chunk as the decoder gave it: a string joined from
   * pieces or cut out of another is slower to read a character at a time. Only the markup cut by the
   * end of the chunk before is read from a joined string, as short as will do.
   */
  scan(chars: number, final: boolean): boolean {
    const s = this.text;
    if (this.carry !== '') this.finishCarry(s, final);
    if (this.at >= s.length) return false;
    const stop = this.loop(s, this.at, this.at + chars, final);
    if (this.carry !== '' || stop >= s.length) {
      this.at = s.length;
      return false;
    }
    this.at = stop;
    return true;
  }

  /** Completes what the chunk before left unfinished with the start of this one. */
  private finishCarry(s: string, final: boolean): void {
    // Characters of `s` already joined to the carry.
    let taken = 0;
    for (;;) {
      const carried = this.carry;
      this.carry = '';
      const cut = Math.min(s.length, taken + Math.max(1024, carried.length));
      const whole = cut === s.length;
      const stop = this.loop(carried + s.slice(taken, cut), 0, Infinity, final && whole);
      if (stop >= carried.length) {
        // The carried piece is read; the rest is read from the chunk itself.
        if (whole) this.at = s.length;
        else {
          this.carry = '';
          this.at = taken + stop - carried.length;
        }
        return;
      }
      // Still unfinished: the scanner carried it again, with the characters joined to it.
      taken = cut;
      if (whole) {
        this.at = s.length;
        return;
      }
    }
  }

  /**
   * Scans `s` from `from` until the first boundary at or past `limit`; returns where it stopped. At
   * the end of `s`, what is unfinished (markup, an entity, a carriage return) becomes the carry.
   */
  private loop(s: string, from: number, limit: number, final: boolean): number {
    const n = s.length;
    let i = from;
    while (i < n) {
      if (i >= limit) return i;
      const lt = s.indexOf('<', i);
      const end = lt < 0 ? n : lt;
      if (end > i) {
        const kept = this.textUpTo(s, i, end, final || lt >= 0);
        if (kept < end) {
          this.carry = s.slice(kept);
          return kept;
        }
      }
      if (lt < 0) return n;
      const next = this.markup(s, lt, final);
      if (next < 0) {
        // A document cut off inside a tag ends there, as it did for exceljs's parser.
        if (final) return n;
        if (n - lt > MAX_ELEMENT_CHARS) throw new XmlSyntaxError(`an element of the sheet is longer than ${MAX_ELEMENT_CHARS} characters`);
        this.carry = s.slice(lt);
        return lt;
      }
      i = next;
    }
    return i;
  }

  /** An attribute of the start tag being opened (for `open`), decoded; undefined when it has none. */
  attribute(name: string): string | undefined {
    return this.attributes.get(name);
  }

  /**
   * Hands over the text between `from` and `to`; returns where it stopped: before an entity or a
   * carriage return cut by the end of the chunk, which the next chunk completes.
   */
  private textUpTo(s: string, from: number, to: number, complete: boolean): number {
    let stop = to;
    if (!complete) {
      // An entity is a few characters: a `&` further back without its `;` is an error, found below.
      const amp = s.lastIndexOf('&', to - 1);
      if (amp >= from && to - amp <= 16 && s.indexOf(';', amp) < 0) stop = amp;
      if (stop > from && s.charCodeAt(stop - 1) === CR) stop--;
    }
    if (stop <= from) return stop;
    const raw = s.slice(from, stop);
    if (this.stack.length === 0) {
      if (raw.trim() !== '') throw new XmlSyntaxError('text data outside of root node');
      return stop;
    }
    this.handler.text(plainUpTo(s, from, stop) === stop ? raw : decodeText(raw));
    return stop;
  }

  /** Handles the markup at `lt`; returns where to go on, or -1 when the chunk ends first. */
  private markup(s: string, lt: number, final: boolean): number {
    const first = s.charCodeAt(lt + 1);
    if (Number.isNaN(first)) return -1;
    if (first === 0x3f) {
      // <? ... ?>
      const end = s.indexOf('?>', lt + 2);
      return end < 0 ? -1 : end + 2;
    }
    if (first === 0x21) return this.declaration(s, lt, final);
    if (first === SLASH) return this.endTag(s, lt);
    return this.startTag(s, lt);
  }

  private declaration(s: string, lt: number, final: boolean): number {
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4);
      return end < 0 ? -1 : end + 3;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      // exceljs never read character data sections; neither does this.
      const end = s.indexOf(']]>', lt + 9);
      if (end >= 0 && this.stack.length === 0) throw new XmlSyntaxError('character data outside of root node');
      return end < 0 ? -1 : end + 3;
    }
    if (s.length - lt < 9 && !final) return -1;
    if (s.startsWith('<!DOCTYPE', lt)) {
      const end = s.indexOf('>', lt);
      return end < 0 ? -1 : end + 1;
    }
    throw new XmlSyntaxError('malformed markup');
  }

  private endTag(s: string, lt: number): number {
    const n = s.length;
    const open = this.stack[this.stack.length - 1];
    let i = lt + 2;
    if (open !== undefined && s.startsWith(open.full, i)) i += open.full.length;
    else {
      while (i < n && !endsName(s.charCodeAt(i))) i++;
      if (i >= n) return -1;
      // The same element may be closed with or without the root's prefix.
      const name = this.names.localName(s.slice(lt + 2, i));
      if (open === undefined) throw new XmlSyntaxError(`unmatched closing tag: ${name}`);
      if (name !== open.local) throw new XmlSyntaxError('unexpected close tag');
    }
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    if (i >= n) return -1;
    // `</rowx>` is not `</row>`.
    if (s.charCodeAt(i) !== GT) throw new XmlSyntaxError('unexpected close tag');
    this.stack.pop();
    if (this.stack.length === 0) this.rootClosed = true;
    this.handler.close(open.local);
    return i + 1;
  }

  private startTag(s: string, lt: number): number {
    const n = s.length;
    let i = lt + 1;
    let valid = true;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 128 ? NAME_CHAR[c] === 0 : c < 0xb7) {
        if (isSpace(c) || c === GT || c === SLASH) break;
        valid = false;
      }
    }
    if (i >= n) return -1;
    const known = this.rooted(this.names.nameAt(s, lt + 1, i, valid, this.stack.length === 0));
    this.attributes.clear(s);
    for (;;) {
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const c = s.charCodeAt(i);
      if (c === GT) break;
      if (c === SLASH) {
        if (i + 1 >= n) return -1;
        if (s.charCodeAt(i + 1) !== GT) throw new XmlSyntaxError('forward-slash in opening tag not followed by >');
        break;
      }
      i = this.attributes.readAt(s, i);
      if (i < 0) return -1;
    }
    const selfClosing = s.charCodeAt(i) === SLASH;
    const after = i + (selfClosing ? 2 : 1);
    const name = known.local;
    const mode = this.handler.content?.(name) ?? 'markup';
    if (mode === 'markup' || selfClosing) {
      if (mode === 'skip') return after;
      this.handler.open(name, this, selfClosing);
      if (selfClosing) {
        if (this.stack.length === 0) this.rootClosed = true;
        this.handler.close(name);
      } else this.stack.push(known);
      return after;
    }
    // Skipped or raw: everything up to the first end tag spelled as the start tag's name.
    const endTag = `</${known.full}>`;
    const close = s.indexOf(endTag, after);
    if (close < 0) return -1;
    if (mode === 'raw') {
      this.handler.open(name, this, false);
      this.handler.raw?.(s.slice(after, close));
      this.handler.close(name);
    }
    return close + endTag.length;
  }

  /** A name about to be opened at the top level is the root, of which there is one. */
  private rooted(known: KnownName): KnownName {
    if (this.stack.length === 0 && this.rootClosed) throw new XmlSyntaxError('documents may contain only one root');
    return known;
  }
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

function endsName(c: number): boolean {
  return isSpace(c) || c === GT || c === SLASH;
}
