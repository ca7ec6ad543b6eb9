// The element names the XML scanner has seen, each as written and without the namespace prefix of
// the root element. A sheet uses a handful of names tens of millions of times, so a name is checked
// once and then matched in place, never cut out of the chunk again.
import { isName, XmlSyntaxError } from './xml-text.js';

const COLON = 0x3a;

/** An element name as written, and without the root's prefix. */
export interface KnownName {
  readonly full: string;
  readonly local: string;
}

export class ElementNames {
  /** The namespace prefix of the root element ('' for none); undefined until it is seen. */
  private prefix: string | undefined;
  /** Element names seen so far (a sheet has a handful), matched in place instead of cut out. */
  private readonly names: KnownName[] = [];

  /**
   * The element name at [start, end), checked once and then matched in place; `valid` when the
   * scan found only ASCII name characters in it, `topLevel` when no element is open.
   */
  nameAt(s: string, start: number, end: number, valid: boolean, topLevel: boolean): KnownName {
    const length = end - start;
    const names = this.names;
    next: for (let k = 0; k < names.length; k++) {
      const known = names[k] as KnownName;
      const full = known.full;
      if (full.length !== length) continue;
      for (let j = 0; j < length; j++) if (s.charCodeAt(start + j) !== full.charCodeAt(j)) continue next;
      return known;
    }
    if (!valid || !isName(s, start, end)) throw new XmlSyntaxError('disallowed character in tag name');
    const full = s.slice(start, end);
    if (this.prefix === undefined && topLevel) this.prefix = full.includes(':') ? full.slice(0, full.indexOf(':')) : '';
    const known = { full, local: this.localName(full) };
    if (this.prefix !== undefined && this.names.length < 64) this.names.push(known);
    return known;
  }

  /** A name without the root's prefix. */
  localName(name: string): string {
    const { prefix } = this;
    if (!prefix) return name;
    return name.length > prefix.length && name.charCodeAt(prefix.length) === COLON && name.startsWith(prefix) ? name.slice(prefix.length + 1) : name;
  }
}
