// An element that never ends is refused once it passes the bound, instead of being rescanned with
// every chunk (time quadratic in its length): what the "tag that never closes" zip bomb relies on.
import { describe, expect, it } from 'vitest';
import { MAX_ELEMENT_CHARS, XmlNormaliser } from '../../src/read/xlsx-xml.js';

describe('XmlNormaliser element bound', () => {
  it('throws once an unfinished element outgrows the bound, and keeps long text between elements', () => {
    const normaliser = new XmlNormaliser(true);
    normaliser.push('<sheetData><row r="2"><c r="A2" ', false);
    const chunk = 'x'.repeat(64 * 1024);
    expect(() => {
      for (let sent = 0; sent <= MAX_ELEMENT_CHARS + chunk.length; sent += chunk.length) normaliser.push(chunk, false);
    }).toThrow(/longer than/);

    const text = new XmlNormaliser(true);
    let out = text.push('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>', false);
    for (let i = 0; i < 10; i++) out += text.push('y'.repeat(64 * 1024), false);
    expect(out.length).toBeGreaterThan(0);
  });
});
