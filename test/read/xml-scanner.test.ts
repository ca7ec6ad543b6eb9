import { describe, expect, test } from 'vitest';
import { MAX_ELEMENT_CHARS, XmlScanner, XmlSyntaxError, type ContentMode, type XmlHandler } from '../../src/read/xml-scanner.js';

/** The events of a document, as one list of strings, its text fed in pieces of `size` characters. */
function events(xml: string, size = xml.length, modes: Record<string, ContentMode> = {}): string[] {
  const out: string[] = [];
  const handler: XmlHandler = {
    content: (name) => modes[name] ?? 'markup',
    open(name, scanner, selfClosing) {
      const r = scanner.attribute('r');
      out.push(`<${name}${r === undefined ? '' : ` r=${r}`}${selfClosing ? '/' : ''}>`);
    },
    text(text) {
      // Text arrives in as many pieces as the chunks cut it into; joined, it is the same.
      if (out.length > 0 && out[out.length - 1]?.startsWith('"')) out[out.length - 1] = `${out[out.length - 1]?.slice(0, -1)}${text}"`;
      else out.push(`"${text}"`);
    },
    close: (name) => out.push(`</${name}>`),
    raw: (inner) => out.push(`raw:${inner}`),
  };
  const scanner = new XmlScanner(handler);
  for (let i = 0; i < xml.length; i += size) scanner.push(xml.slice(i, i + size), false);
  scanner.push('', true);
  return out;
}

function refusal(xml: string): string {
  try {
    events(xml);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlSyntaxError);
    return (error as Error).message;
  }
  throw new Error(`read without error: ${xml}`);
}

describe('XmlScanner', () => {
  const doc =
    '<?xml version="1.0"?>\n<x:sheet xmlns:x="urn:s"><!-- a comment --><x:row r="1"><x:c r="A1">a &amp; b &lt;&#x41;&#66;&gt;</x:c>' +
    '<x:c r=\'B&#49;\'>two\r\nlines\rand &#13; a CR</x:c><y:c r="C1"/><x:t><![CDATA[not read]]></x:t></x:row></x:sheet>';

  test('names lose the root prefix, entities are decoded, line ends normalised, character data left out', () => {
    expect(events(doc)).toEqual([
      '<sheet>', '<row r=1>', '<c r=A1>', '"a & b <AB>"', '</c>', '<c r=B1>', '"two\nlines\nand \r a CR"', '</c>',
      '<y:c r=C1/>', '</y:c>', '<t>', '</t>', '</row>', '</sheet>',
    ]);
  });

  test('reads the same whatever the chunks', () => {
    const whole = events(doc);
    for (const size of [1, 2, 3, 5, 7, 13, 64]) expect(events(doc, size), `chunks of ${size}`).toEqual(whole);
  });

  test('skips or hands over raw what the handler asks, up to the end tag', () => {
    const xml = '<a><f>SUM(<b>)</f><is><r><t>x</t></r></is><is/><f/></a>';
    const modes = { f: 'skip', is: 'raw' } as const;
    const expected = ['<a>', '<is>', 'raw:<r><t>x</t></r>', '</is>', '<is/>', '</is>', '</a>'];
    expect(events(xml, xml.length, modes)).toEqual(expected);
    expect(events(xml, 3, modes)).toEqual(expected);
  });

  test.each([
    ['<a><b></a>', 'unexpected close tag'],
    ['</a>', 'unmatched closing tag'],
    ['<a>&nbsp;</a>', 'undefined entity'],
    ['<a>&constructor;</a>', 'undefined entity'], // not Object's constructor
    ['<a x="&__proto__;"/>', 'undefined entity'],
    ['<a>&amp</a>', 'malformed entity'],
    ['<a>&#0;</a>', 'malformed character entity'],
    ['<a>\u0001</a>', 'disallowed character'],
    ['<a>x]]>y</a>', ']]>'],
    ['<a x=1></a>', 'unquoted attribute value'],
    ['<a x="1" x="2"></a>', 'duplicate attribute'],
    ['<a x="<"></a>', 'disallowed character in attribute value'],
    ['<a x="1"y="2"></a>', 'no whitespace between attributes'],
    ['<a/><b/>', 'only one root'],
    ['<a>x</a>junk', 'outside of root'],
    ['<1a/>', 'tag name'],
  ])('refuses %j', (xml, message) => {
    expect(refusal(xml)).toContain(message);
  });

  test('a document cut off inside a tag ends there, as it did for exceljs', () => {
    expect(events('<a><b r="1">x</b><c r="2')).toEqual(['<a>', '<b r=1>', '"x"', '</b>']);
  });

  test('an element that never ends is refused once it outgrows the bound', () => {
    const scanner = new XmlScanner({ open() {}, text() {}, close() {} });
    scanner.push('<sheetData><row r="2"><c r="A2" ', false);
    const chunk = 'x'.repeat(64 * 1024);
    expect(() => {
      for (let sent = 0; sent <= MAX_ELEMENT_CHARS + chunk.length; sent += chunk.length) scanner.push(chunk, false);
    }).toThrow(/longer than/);
  });

  test('text longer than the bound between elements is read whole: the bound is on markup only', () => {
    const texts: string[] = [];
    const scanner = new XmlScanner({ open() {}, text: (t) => texts.push(t), close() {} });
    scanner.push('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>', false);
    const chunk = 'y'.repeat(64 * 1024);
    let sent = 0;
    while (sent <= MAX_ELEMENT_CHARS) {
      scanner.push(chunk, false);
      sent += chunk.length;
    }
    scanner.push('</t></is></c></row></sheetData>', true);
    expect(texts.join('')).toBe('y'.repeat(sent));
  });
});
