// The characters of XML as an XML parser checks and hands them on: which may stand in a name, which
// text needs its entities decoded or its line ends normalised, and which are not allowed at all.

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const AMP = 0x26;
const COLON = 0x3a;
const LT = 0x3c;
const BRACKET = 0x5d;

/** ASCII characters allowed in a name after its first character. */
export const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  NAME_CHAR[c] = letter || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === COLON || c === 0x5f ? 1 : 0;
}

/** A character XML 1.0 does not allow anywhere (lone surrogates included). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_:][\w.:-]*)?(;?)/g;
/** No prototype: `&constructor;` is an undefined entity, not Object's constructor. */
const PREDEFINED: Readonly<Record<string, string | undefined>> = Object.assign(Object.create(null) as Record<string, string>, {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
});

/** Whether text reads as it is written: no entity, line end to normalise, markup or character to refuse. */
export function isPlainText(text: string): boolean {
  return plainUpTo(text, 0, text.length) === text.length;
}

/** Where the first character in [from, to) that needs decoding or checking is; `to` when there is none. */
export function plainUpTo(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < SPACE ? c !== TAB && c !== LF : c === AMP || c === BRACKET || c === LT || c >= 0xd800) return i;
  }
  return to;
}

/** An XML name, loosely: letters, digits, `_ : . -` and anything beyond ASCII, not starting with a digit, dot or hyphen. */
export function isName(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  const first = s.charCodeAt(start);
  if ((first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2e) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 ? NAME_CHAR[c] === 0 : c < 0xb7) return false;
  }
  return true;
}

/** Text with entities decoded and line ends normalised (\r\n and \r become \n), as an XML parser hands it on. */
export function decodeText(raw: string): string {
  if (raw.includes(']]>')) throw new XmlSyntaxError('the string "]]>" is disallowed in char data');
  return decode(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw);
}

/** An attribute value decoded: line ends and tabs become spaces, as XML normalises attribute values. */
export function decodeValue(raw: string): string {
  return decode(raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' '));
}

/** Refuses an attribute value that holds markup, a bad entity or a character XML does not allow. */
export function checkValue(raw: string): void {
  if (raw.includes('<')) throw new XmlSyntaxError('disallowed character in attribute value');
  decode(raw);
}

function decode(text: string): string {
  if (NOT_XML_CHAR.test(text)) throw new XmlSyntaxError('disallowed character');
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, name: string | undefined, semicolon: string) => {
    if (name === undefined || semicolon === '') throw new XmlSyntaxError('malformed entity');
    if (name.charCodeAt(0) === 0x23) {
      const code = name.charCodeAt(1) === 0x78 ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
      if (char === '' || NOT_XML_CHAR.test(char)) throw new XmlSyntaxError('malformed character entity');
      return char;
    }
    const known = PREDEFINED[name];
    if (known === undefined) throw new XmlSyntaxError('undefined entity');
    return known;
  });
}
