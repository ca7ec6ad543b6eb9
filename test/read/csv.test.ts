import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { detectDelimiter } from '../../src/read/csv.js';
import { openSheet } from '../../src/read/index.js';
import { rawRows, recordItems } from '../helpers/records.js';
import { refusal } from './helpers/refusal.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-csv-'));
let n = 0;
function file(content: string | Buffer, ext = 'csv'): string {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

const rows = rawRows;

describe('csv-spectrum: every case parses to its expected JSON', () => {
  const root = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
  const names = readdirSync(join(root, 'csvs')).map((f) => f.replace(/\.csv$/, ''));
  test.each(names)('%s', async (name) => {
    const json = JSON.parse(readFileSync(join(root, 'json', `${name}.json`), 'utf8')) as unknown;
    // One upstream case is a bare object, and its phone number differs from its CSV (a fixture slip).
    const expected = (Array.isArray(json) ? json : [json]) as Array<Record<string, string>>;
    const [header, ...data] = await rows(join(root, 'csvs', `${name}.csv`));
    const keys = (header?.cells ?? []) as string[];
    const objects = data.map((row) => Object.fromEntries(keys.map((k, i) => [k, row.cells[i] ?? ''])));
    if (name === 'location_coordinates') {
      for (const o of [...objects, ...expected]) delete o['Contact Phone Number'];
    }
    expect(objects).toEqual(expected);
  });
});

describe('rows and their numbers', () => {
  test('blank lines are skipped but counted, so numbers match what a spreadsheet shows', async () => {
    const read = await rows(file('a,b\n\n1,2\n , \n\n3,4\n'));
    expect(read).toEqual([
      { sourceRow: 1, cells: ['a', 'b'] },
      { sourceRow: 3, cells: ['1', '2'] },
      { sourceRow: 6, cells: ['3', '4'] },
    ]);
  });

  test('a quoted cell with line breaks is one row', async () => {
    const read = await rows(file('a,b\r\n"x\r\ny",2\r\n3,4\r\n'));
    expect(read.map((r) => r.sourceRow)).toEqual([1, 2, 3]);
    expect(read[1]?.cells).toEqual(['x\r\ny', '2']);
  });

  test('rows appended with other line ends than the header each stay a row, as Excel reads them', async () => {
    const appended = await recordItems(file('Email,Package,Start,Price\r\na@b.co,Gold,2025-01-01,10\nb@b.co,Gold,2025-01-02,20\nc@b.co,Gold,2025-01-03,30\n'));
    expect(appended.map((item) => [item.row.sourceRow, item.record?.clientEmail, item.record?.price])).toEqual([
      [2, 'a@b.co', '10'],
      [3, 'b@b.co', '20'],
      [4, 'c@b.co', '30'],
    ]);
    const reverse = await rows(file('Email,Package,Start,Price\na@b.co,Gold,2025-01-01,10\r\nb@b.co,Gold,2025-01-02,20\r\n'));
    expect(reverse.map((row) => row.cells)).toEqual([
      ['Email', 'Package', 'Start', 'Price'],
      ['a@b.co', 'Gold', '2025-01-01', '10'],
      ['b@b.co', 'Gold', '2025-01-02', '20'],
    ]);
    const mac = await rows(file('a,b\r1,2\n3,"x\ny"\r\n5,6'));
    expect(mac.map((row) => [row.sourceRow, row.cells])).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', 'x\ny']],
      [4, ['5', '6']],
    ]);
  });

  test('an unmatched quote after mixed line ends is reported on its own row and line', async () => {
    const error = await refusal(rows(file('Email,Package,Start\r\na@b.co,Gold,2025-01-01\nc@d.co,"Gold,2025-01-02\n')));
    expect(error.message).toContain('row 3 (line 3)');
  });

  test('a leading apostrophe that neutralised a formula is dropped; other apostrophes stay', async () => {
    const read = await rows(file("a,b,c,d,e,f,g\n'=1+1,'+1,'-1,'@x,'\tx,'hello,'\n"));
    expect(read[1]?.cells).toEqual(['=1+1', '+1', '-1', '@x', '\tx', "'hello", "'"]);
  });

  test('a stray quote inside a cell is kept as text', async () => {
    const read = await rows(file('a,b\n5" screen,2\n'));
    expect(read[1]?.cells).toEqual(['5" screen', '2']);
  });

  test('an unmatched quote stops the run with the row and line where it opens', async () => {
    const path = file('Email,Package,Start\na@b.co,Gold,2025-01-01\n\nc@d.co,"Gold,2025-01-02\ne@f.co,Gold,2025-01-03\n');
    const error = await refusal(rows(path));
    expect(error.code).toBe('FILE_CORRUPT');
    expect(error.message).toContain('row 4 (line 4)');
    expect(error.message).toContain('never closed');
  });

  test('a quote that swallows more than a megabyte is reported, not buffered forever', async () => {
    const path = file(`a,b\n1,"${'x,'.repeat(600_000)}\n`);
    const error = await refusal(rows(path));
    expect(error.code).toBe('FILE_CORRUPT');
    expect(error.message).toContain('row 2 (line 2)');
  });
});

describe('delimiters', () => {
  test.each([
    ['comma', 'a,b,c\n1,2,3\n', ','],
    ['semicolon with decimal commas', 'Email;Price;Start\na@b.co;12,50;01.02.2025\nc@d.co;1,5;02.02.2025\n', ';'],
    ['tab with thousands commas', 'Email\tPrice\tStart\na@b.co\t1,200.50\t2025-01-01\n', '\t'],
    ['a title line without any', 'Renewals for March\nEmail;Package;Start\na@b.co;Gold;2025-01-01\n', ';'],
    ['commas inside quotes do not count', '"a,b,c";"d,e"\n"1,2";"3"\n', ';'],
    ['a single column', 'email\na@b.co\n', ','],
  ])('%s', (_, sample, delimiter) => {
    expect(detectDelimiter(sample)).toBe(delimiter);
  });

  test('a semicolon file reads with its decimal commas intact', async () => {
    const read = await rows(file('Email;Price\na@b.co;12,50\n'));
    expect(read[1]?.cells).toEqual(['a@b.co', '12,50']);
  });
});

describe('encodings', () => {
  const text = 'Email,Package\nzoë@exämple.com,Crème\n';
  const expected = [
    { sourceRow: 1, cells: ['Email', 'Package'] },
    { sourceRow: 2, cells: ['zoë@exämple.com', 'Crème'] },
  ];

  test('UTF-8 without and with a byte-order mark', async () => {
    expect(await rows(file(text))).toEqual(expected);
    expect(await rows(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])))).toEqual(expected);
  });

  test('UTF-16 LE and BE with a byte-order mark (Excel "Unicode text")', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    expect(await rows(file(le))).toEqual(expected);
    expect(await rows(file(be))).toEqual(expected);
  });

  test('UTF-16 LE without a byte-order mark', async () => {
    expect(await rows(file(Buffer.from(text, 'utf16le')))).toEqual(expected);
  });

  test('Windows-1252 from Excel "CSV (Comma delimited)" keeps its accents', async () => {
    expect(await rows(file(Buffer.from(text, 'latin1')))).toEqual(expected);
  });

  test('invalid UTF-8 late in a file does not crash: the bytes become replacement characters', async () => {
    const head = Buffer.from(`Email,Note\n${'a@b.co,fine\n'.repeat(7000)}`);
    const read = await rows(file(Buffer.concat([head, Buffer.from('c@d.co,bad \xff\xfe byte\n', 'latin1')])));
    expect(read.at(-1)?.cells[1]).toBe('bad \ufffd\ufffd byte');
  });
});

describe('opening a CSV sheet', () => {
  test('title rows above the header are skipped and the header found', async () => {
    const sheet = await openSheet(file('Renewals March 2025\n\nEmail,Package,Start Date,Notes\na@b.co,Gold,2025-01-01,x\n'));
    expect(sheet.format).toBe('csv');
    expect(sheet.sheetName).toBeUndefined();
    expect(sheet.header).toEqual({ sourceRow: 3, cells: ['Email', 'Package', 'Start Date', 'Notes'] });
    expect(sheet.columns).toEqual({
      headers: ['Email', 'Package', 'Start Date', 'Notes'],
      headerRow: 3,
      fields: { client_email: 0, package_name: 1, valid_from: 2 },
    });
    const data = [];
    for await (const row of sheet.rows) data.push(row);
    expect(data).toEqual([{ sourceRow: 4, cells: ['a@b.co', 'Gold', '2025-01-01', 'x'] }]);
    await sheet.close();
  });

  test('--sheet is refused as a usage error: a CSV file has one sheet, and the one named is not there', async () => {
    const path = file('Email,Package,Start\na@b.co,Gold,2025-01-01\n');
    const name = basename(path);
    const error = await refusal(openSheet(path, { sheet: 'Foo' }));
    expect(error).toMatchObject({
      code: 'USAGE',
      message: `--sheet "Foo" picks a sheet of an XLSX workbook; ${name} is a CSV file, which has one. Leave --sheet out to read it.`,
    });
    expect((await refusal(rows(path, 'Foo'))).code).toBe('USAGE');
    // The format is the file's content, not its name: text saved as .xlsx is a CSV file all the same.
    const named = file('Email,Package,Start\na@b.co,Gold,2025-01-01\n', 'xlsx');
    expect(await refusal(openSheet(named, { sheet: 'Data' }))).toMatchObject({ code: 'USAGE', message: expect.stringContaining('is a CSV file') });
  });

  test('a row with more filled cells than the header has a problem; fewer or trailing empties do not', async () => {
    const sheet = await openSheet(file('Email,Package,Start,Price\na@b.co,Gold,2025-01-01,5,x\nb@b.co,Gold\nc@b.co,Gold,2025-01-01,5,,\n'));
    const data = [];
    for await (const row of sheet.rows) data.push(row);
    expect(data[0]?.problems).toEqual(['row has 5 cells but the header has 4: is there an unquoted comma, e.g. in a price?']);
    expect(data[1]?.problems).toBeUndefined();
    expect(data[2]?.problems).toBeUndefined();
  });

  test('the hint names the file delimiter', async () => {
    const sheet = await openSheet(file('Email;Package;Start\na@b.co;Gold;2025-01-01;x;y\n'));
    for await (const row of sheet.rows) {
      expect(row.problems).toEqual(['row has 5 cells but the header has 3: is there an unquoted semicolon, e.g. in a price?']);
    }
  });

  test('close stops reading early and can be called twice; rows can be abandoned mid-way', async () => {
    const big = `Email,Package,Start\n${'a@b.co,Gold,2025-01-01\n'.repeat(50_000)}`;
    const sheet = await openSheet(file(big));
    let seen = 0;
    for await (const _ of sheet.rows) if (++seen === 10) break;
    await sheet.close();
    await sheet.close();
    expect(seen).toBe(10);
    const untouched = await openSheet(file(big));
    await untouched.close();
  });

  test('a file with only blank lines is empty', async () => {
    const error = await refusal(openSheet(file('\n\n , \n')));
    expect(error.code).toBe('FILE_EMPTY');
  });

  test('a header with no data rows gives no rows', async () => {
    const sheet = await openSheet(file('Email,Package,Start\n'));
    const data = [];
    for await (const row of sheet.rows) data.push(row);
    expect(data).toEqual([]);
  });
});
