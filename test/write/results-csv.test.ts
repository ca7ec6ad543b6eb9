import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CellValue } from '../../src/pipeline/types.js';
import { neutralise, openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { recordItems } from '../helpers/records.js';
import { readCsvObjects } from '../helpers/sheets.js';
import { writeXlsx } from '../read/helpers/xlsx-package.js';
import { header, outcome, readCsv, readCsvText, row, scratchFolder, summary } from './helpers.js';

async function writeCsv(inputName: string, cells: CellValue[][], message = (n: number) => `row ${n}`) {
  const folder = await scratchFolder();
  const input = join(folder, inputName);
  const writer = await openResultsWriter({ target: resultsTarget(input), inputPath: input, header: header('name', 'value') });
  for (const [index, rowCells] of cells.entries()) {
    await writer.write(row(index + 2, ...rowCells), outcome(index + 2, 'valid', { message: message(index + 2) }));
  }
  return (await writer.finish(summary())).results;
}

describe('CSV results', () => {
  it('starts with a byte-order mark and round-trips accents and CJK text', async () => {
    const path = await writeCsv('members.csv', [['José Müller', 'Ärger'], ['中文名字', 'café']]);
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = await readCsv(path);
    expect(rows[0]).toEqual(['name', 'value', 'status', 'message', 'resolved_client_id', 'resolved_package_id', 'client_package_id', 'http_status', 'attempts', 'source_row']);
    expect(rows[1]?.slice(0, 2)).toEqual(['José Müller', 'Ärger']);
    expect(rows[2]?.slice(0, 2)).toEqual(['中文名字', 'café']);
  });

  it('ends lines with CRLF and quotes only where RFC 4180 needs it', async () => {
    const path = await writeCsv('members.csv', [['a, b', 'say "hi"'], ['two\nlines', 'plain']]);
    const text = await readCsvText(path);
    expect(text).toContain('"a, b","say ""hi""",valid,row 2,,,,,,2\r\n');
    expect(text).toContain('"two\nlines",plain,valid,row 3,,,,,,3\r\n');
    expect((await readCsv(path))[2]?.slice(0, 2)).toEqual(['two\nlines', 'plain']);
  });

  it('writes dates as YYYY-MM-DD, numbers as written, booleans as TRUE/FALSE, errors as their text', async () => {
    const path = await writeCsv('members.csv', [
      [{ kind: 'date', iso: '2025-02-28' }, 1200.5],
      [{ kind: 'date', iso: '2025-02-28', time: '13:45:00' }, -12.5],
      [true, { kind: 'error', text: '#DIV/0!' }],
    ]);
    const rows = await readCsv(path);
    expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual([
      ['2025-02-28', '1200.5'],
      ['2025-02-28 13:45:00', '-12.5'],
      ['TRUE', '#DIV/0!'],
    ]);
  });

  it('puts a quote before each formula trigger, in the input cells and in the message', async () => {
    const dangerous = ['=HYPERLINK("http://evil.test","click")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1)', '\t=1+1', '\r=1+1'];
    const path = await writeCsv('members.csv', dangerous.map((text) => [text, null]), (n) => dangerous[n - 2] ?? '');
    const rows = await readCsv(path);
    dangerous.forEach((text, index) => {
      expect(rows[index + 1]?.[0]).toBe(`'${text}`);
      expect(rows[index + 1]?.[3]).toBe(`'${text}`);
    });
  });

  it('leaves plain numbers alone, negative ones too', async () => {
    const path = await writeCsv('members.csv', [['-5', -5], ['-12.50', '+3'], ['-0.5e3', '-']]);
    const rows = await readCsv(path);
    expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual([
      ['-5', '-5'],
      ['-12.50', '+3'],
      ['-0.5e3', "'-"],
    ]);
  });

  it('writes tab-separated values for a .tsv, quoting commas too so that no locale splits the cell', async () => {
    const path = await writeCsv('members.tsv', [['a, b', 'tab\there']]);
    expect(path.endsWith('members.results.tsv')).toBe(true);
    const text = await readCsvText(path);
    expect(text.split('\r\n')[1]).toBe('"a, b"\t"tab\there"\tvalid\trow 2\t\t\t\t\t\t2');
  });
});

describe('numbers of an XLSX input in CSV results', () => {
  it('are written as Excel holds and shows them, at most 15 significant digits; integers below 1e15 as they are', async () => {
    const numbers = [223.49999999999997, 0.1 + 0.2, -(0.1 + 0.2), 123456789012345, -999999999999999, 1200.5, 1e21, 12345678901234567];
    const path = await writeCsv('members.csv', numbers.map((n) => [n, null]));
    const rows = await readCsv(path);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['223.5', '0.3', '-0.3', '123456789012345', '-999999999999999', '1200.5', '1e+21', '12345678901234600']);
  });

  it('a price stored as 223.49999999999997 reads back from the CSV retry file as the 223.50 it was read as', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'prices.xlsx');
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    writeXlsx(input, {
      sheet:
        `<row r="1">${cell('A1', 'Email')}${cell('B1', 'Plan')}${cell('C1', 'Start')}${cell('D1', 'Price')}</row>` +
        `<row r="2">${cell('A2', 'not an email')}${cell('B2', 'Gold')}${cell('C2', '2025-01-01')}<c r="D2"><v>223.49999999999997</v></c></row>`,
    });
    const { files } = await validateFile({ file: input, out: join(folder, 'out.csv') });
    expect((await readCsvObjects(files.results))[0]?.Price).toBe('223.5');
    expect((await readCsvObjects(files.retry!))[0]?.Price).toBe('223.5');
    const [retried] = await recordItems(files.retry!);
    expectOutcome(retried?.outcome, { status: 'invalid', messageIncludes: 'Email: "not an email" is not an email address' });
    expect(retried?.outcome?.message).not.toContain('Price');
  });
});

describe('neutralise', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1+1', "'+1+1"],
    ['-1+1', "'-1+1"],
    ['@A1', "'@A1"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['\uFF1D1+1', "'\uFF1D1+1"],
    ['-1,200.50', "'-1,200.50"],
    ['-$5', "'-$5"],
    ['-', "'-"],
    ['-5', '-5'],
    ['-12.50', '-12.50'],
    ['+7', '+7'],
    ['-.5', '-.5'],
    ['1e-7', '1e-7'],
    ['x=1', 'x=1'],
    ['', ''],
  ])('%j → %j', (text, expected) => {
    expect(neutralise(text)).toBe(expected);
  });
});
