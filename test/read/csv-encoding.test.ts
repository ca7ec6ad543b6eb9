import { describe, expect, test } from 'vitest';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { csvReader } from '../helpers/records.js';

const items = csvReader('cp-csv-encoding-');

const HEADER = 'Email,Package,Start,Note\n';
/** Valid rows of plain ASCII, more than the 64 KB the encoding is judged from. */
const ROWS = 3000;
const asciiHead = (): Buffer => {
  const lines = Array.from({ length: ROWS }, (_, i) => `c${i}@b.co,Gold,2025-01-01,fine\n`);
  return Buffer.from(HEADER + lines.join(''));
};
const NOT_UTF8 = 'the file is not valid UTF-8 from this row on. Save it as "CSV UTF-8" and import it again';

describe('bytes that are not UTF-8 after the first 64 KB of a UTF-8 file', () => {
  test('the row holding them is invalid, naming the column; rows before and clean rows after are not', async () => {
    const head = asciiHead();
    expect(head.length).toBeGreaterThan(64 * 1024);
    const read = await items(Buffer.concat([head, Buffer.from('m@b.co,Gold,2025-01-01,M\xfcller\nz@b.co,Gold,2025-01-01,after\n', 'latin1')]));
    expect(read).toHaveLength(ROWS + 2);
    expect(read.slice(0, ROWS).every((item) => item.record !== undefined)).toBe(true);
    const bad = read[ROWS];
    expectOutcome(bad?.outcome, { status: 'invalid', sourceRow: ROWS + 2, messageIncludes: `Note: "M\ufffdller" has characters that could not be read: ${NOT_UTF8}` });
    expect(read[ROWS + 1]?.record?.clientEmail).toBe('z@b.co');
  });

  test('every column that lost characters is named', async () => {
    const tail = Buffer.from('m\xe9@b.co,Gold,2025-01-01,M\xfcller\n', 'latin1');
    const [bad] = (await items(Buffer.concat([asciiHead(), tail]))).slice(ROWS);
    expectOutcome(bad?.outcome, { status: 'invalid', messageIncludes: `Email, Note: "m\ufffd@b.co", "M\ufffdller" have characters that could not be read` });
  });

  test('a file that ends inside a character is caught too', async () => {
    const tail = Buffer.concat([Buffer.from('m@b.co,Gold,2025-01-01,M'), Buffer.from([0xc3])]);
    const [bad] = (await items(Buffer.concat([asciiHead(), tail]))).slice(ROWS);
    expectOutcome(bad?.outcome, { status: 'invalid', messageIncludes: `Note: "M\ufffd" has characters that could not be read: ${NOT_UTF8}` });
  });

  test('a character cut by the read boundary just before the bad bytes reads whole', async () => {
    // "é" (C3 A9) is split by the end of the first 64 KB read; the next read holds bytes that are not UTF-8.
    const prefix = Buffer.from(HEADER + 'a@b.co,Gold,2025-01-01,');
    const filler = 'x'.repeat(64 * 1024 - prefix.length - 1);
    const content = Buffer.concat([
      prefix,
      Buffer.from(`${filler}\u00e9\nm@b.co,Gold,2025-01-01,M`),
      Buffer.from([0xfc]),
      Buffer.from('ller\n'),
    ]);
    expect(content[64 * 1024 - 1]).toBe(0xc3);
    const [first, second] = await items(content);
    expect(first?.outcome).toBeUndefined();
    expect(first?.row.cells[3]).toBe(`${filler}\u00e9`);
    expectOutcome(second?.outcome, { status: 'invalid', messageIncludes: NOT_UTF8 });
  });

  test('a replacement character written as UTF-8 in a valid file is text like any other', async () => {
    const [item] = await items(Buffer.from(`${HEADER}a@b.co,Gold,2025-01-01,M\ufffdller\n`));
    expect(item?.outcome).toBeUndefined();
    expect(item?.row.cells[3]).toBe('M\ufffdller');
  });

  test('a Windows-1252 file judged so from its head keeps its accents and is valid', async () => {
    const [item] = await items(Buffer.from(`${HEADER}a@b.co,Gold,2025-01-01,M\u00fcller\n`, 'latin1'));
    expect(item?.outcome).toBeUndefined();
    expect(item?.row.cells[3]).toBe('M\u00fcller');
  });
});
