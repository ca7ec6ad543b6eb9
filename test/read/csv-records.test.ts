// CsvRecords against csv-parse with the options the reader used it with: the same records and the
// same errors, on generated text full of quotes, line breaks of every kind and multi-byte characters,
// decoded from bytes cut into random chunks the way a file stream cuts them.
import { parse } from 'csv-parse/sync';
import { describe, expect, test } from 'vitest';
import { CsvRecords, CsvSyntaxError } from '../../src/read/csv-records.js';
import { rng, type Rng } from '../fuzz/inputs.js';

type Delimiter = ',' | ';' | '\t';

const PIECES = ['a', 'b', 'xyz', 'é', '€', '😀', ',', ';', '\t', '"', '"', '""', '\r', '\n', '\r\n', ' ', '\0', "'", 'long text of a field'];

function text(r: Rng): string {
  let out = '';
  const length = r.int(60);
  for (let i = 0; i < length; i++) out += r.pick(PIECES);
  return out;
}

type Reading = { records: string[][] } | { error: string; records: number };

function withCsvParse(bytes: Buffer, delimiter: Delimiter, maxRecordBytes: number): Reading {
  try {
    const records = parse(bytes, {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: maxRecordBytes,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as string[][];
    return { records };
  } catch (error) {
    const e = error as { code: string; records: number };
    return { error: e.code, records: e.records };
  }
}

/** Through a streaming decoder, as the reader does, in chunks cut at random byte positions. */
function withCsvRecords(bytes: Buffer, delimiter: Delimiter, maxRecordBytes: number, r: Rng): Reading {
  const parser = new CsvRecords(delimiter, maxRecordBytes);
  const decoder = new TextDecoder('utf-8');
  const records: string[][] = [];
  try {
    let at = 0;
    while (at < bytes.length) {
      const size = 1 + r.int(r.next() < 0.5 ? 4 : 40);
      records.push(...parser.push(decoder.decode(bytes.subarray(at, at + size), { stream: true }), false));
      at += size;
    }
    records.push(...parser.push(decoder.decode(), true));
    return { records };
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { error: error.code, records: error.records };
  }
}

describe('CsvRecords reads as csv-parse does', () => {
  test.each([',', ';', '\t'] as const)('random text, delimiter %j', (delimiter) => {
    const r = rng(0x5eed + delimiter.charCodeAt(0));
    for (let k = 0; k < 4000; k++) {
      const input = (r.next() < 0.1 ? '\ufeff' : '') + text(r);
      const bytes = Buffer.from(input, 'utf8');
      const max = r.next() < 0.3 ? 1 + r.int(30) : 1024;
      const expected = withCsvParse(bytes, delimiter, max);
      expect(withCsvRecords(bytes, delimiter, max, r), JSON.stringify({ input, max })).toEqual(expected);
    }
  });

  test('a whole file in one chunk and byte by byte', () => {
    const input = 'Email,Note\r\na@b.co,"say ""hi"", then\r\ngo"\r\n\r\nc@d.co,5" screen\r\n"x"y,z\r\n';
    const bytes = Buffer.from(input);
    const expected = withCsvParse(bytes, ',', 1024);
    const whole = new CsvRecords(',', 1024);
    expect({ records: [...whole.push(input, false), ...whole.push('', true)] }).toEqual(expected);
    const single = new CsvRecords(',', 1024);
    const records: string[][] = [];
    for (const ch of input) records.push(...single.push(ch, false));
    records.push(...single.push('', true));
    expect({ records }).toEqual(expected);
  });

  test('a field longer than a chunk, and a record that reaches the size limit across chunks', () => {
    const long = 'x'.repeat(5000);
    const input = `a,"${long}""${long}",b\n${long},${long}\n`;
    const r = rng(7);
    const bytes = Buffer.from(input);
    expect(withCsvRecords(bytes, ',', 1 << 20, r)).toEqual(withCsvParse(bytes, ',', 1 << 20));
    expect(withCsvRecords(bytes, ',', 9000, r)).toEqual(withCsvParse(bytes, ',', 9000));
  });
});
