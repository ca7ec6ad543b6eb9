// The CSV reader: the file streamed through a text decoder into CsvRecords (csv-records.ts), never
// the whole file in memory. Rows are numbered by CSV record, counting blank lines, the way a
// spreadsheet opening the file numbers them. csv-parse, which reads the same way, is asked again only
// to find the line of an error.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { parse, type Options } from 'csv-parse';
import { RunError } from '../errors.js';
import type { SourceRow } from '../pipeline/types.js';
import { BATCH_CHARS, type Batches } from './batches.js';
import { CsvRecords, CsvSyntaxError } from './csv-records.js';
import { unescapeFormulaText } from './cells.js';
import type { TextEncodingName } from './sniff.js';

export type Delimiter = ',' | ';' | '\t';

/** A record longer than this is an unclosed quote swallowing the file, not data. */
const MAX_RECORD_BYTES = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;
/** Not more: the text of a chunk lives until its rows are read, and a longer-lived one outlives garbage collections. */
const READ_BYTES = 64 * 1024;

export interface OpenedCsv {
  readonly delimiter: Delimiter;
  readonly rows: Batches<SourceRow>;
  /** The first row read from bytes that are not valid UTF-8 (in a UTF-8 file), once the rows have got there. */
  undecodableFrom(): number | undefined;
}

export async function openCsv(path: string, encoding: TextEncodingName): Promise<OpenedCsv> {
  const delimiter = detectDelimiter(await readSample(path, encoding));
  let undecodableFrom: number | undefined;
  const rows = readCsvRows(path, encoding, delimiter, (row) => {
    undecodableFrom ??= row;
  });
  return { delimiter, rows, undecodableFrom: () => undecodableFrom };
}

async function readSample(path: string, encoding: TextEncodingName): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SAMPLE_BYTES, 0);
    return new TextDecoder(encoding).decode(buf.subarray(0, bytesRead), { stream: true });
  } finally {
    await handle.close();
  }
}

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t'];
const SAMPLE_LINES = 50;

/**
 * The delimiter used in the first lines, counting only outside quotes. The one that splits the most
 * lines into the same number of cells wins; on a tie, the one giving more cells (a `;` file with
 * decimal commas has one comma and seven semicolons on every line). A title line above the header
 * has none and does not count.
 */
export function detectDelimiter(sample: string): Delimiter {
  const perLine: number[][] = CANDIDATES.map(() => []);
  const current = [0, 0, 0];
  let inQuotes = false;
  let lines = 0;
  const endLine = () => {
    for (let k = 0; k < CANDIDATES.length; k++) {
      if ((current[k] ?? 0) > 0) perLine[k]?.push(current[k] ?? 0);
      current[k] = 0;
    }
    lines++;
  };
  for (let i = 0; i < sample.length && lines < SAMPLE_LINES; i++) {
    const ch = sample[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (ch === '\n' || ch === '\r') endLine();
    else if (ch === ',') current[0] = (current[0] ?? 0) + 1;
    else if (ch === ';') current[1] = (current[1] ?? 0) + 1;
    else if (ch === '\t') current[2] = (current[2] ?? 0) + 1;
  }
  endLine();
  let best: Delimiter = ',';
  let bestScore = 0;
  CANDIDATES.forEach((delimiter, k) => {
    const counts = perLine[k] ?? [];
    const frequency = new Map<number, number>();
    for (const c of counts) frequency.set(c, (frequency.get(c) ?? 0) + 1);
    for (const [cells, lineCount] of frequency) {
      const score = lineCount * 1000 + Math.min(cells, 999);
      if (score > bestScore) {
        bestScore = score;
        best = delimiter;
      }
    }
  });
  return best;
}

/** The options csv-parse reads with, for the line of an error; CsvRecords splits the same way. */
function parseOptions(delimiter: Delimiter): Options {
  return {
    delimiter,
    bom: true,
    relax_column_count: true,
    // A stray quote inside a field (`5" screen`) is kept as text instead of failing the file.
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_BYTES,
    // Every line break ends a record, whichever the file's first one was: see csv-records.ts.
    record_delimiter: ['\r\n', '\n', '\r'],
  };
}

async function* readCsvRows(
  path: string,
  encoding: TextEncodingName,
  delimiter: Delimiter,
  onUndecodable: (row: number) => void,
): Batches<SourceRow> {
  const records = new CsvRecords(delimiter, MAX_RECORD_BYTES);
  try {
    for await (const text of decodedText(path, encoding, () => onUndecodable(records.records + 1))) {
      for (let at = 0; at < text.length; at += BATCH_CHARS) {
        const rows = sourceRows(records.push(text.slice(at, at + BATCH_CHARS), false), records.records);
        if (rows.length > 0) yield rows;
      }
    }
    const rows = sourceRows(records.push('', true), records.records);
    if (rows.length > 0) yield rows;
  } catch (error) {
    throw await csvError(error, path, parseOptions(delimiter), encoding === 'utf-8' ? undefined : encoding);
  }
}

/** The non-blank records as rows; `last` is the number of the last record. */
function sourceRows(records: string[][], last: number): SourceRow[] {
  const rows: SourceRow[] = [];
  let record = last - records.length;
  for (const cells of records) {
    record++;
    let blank = true;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i] as string;
      if (cell.charCodeAt(0) === 39) cells[i] = unescapeFormulaText(cell);
      if (blank && cell.length > 0 && cell.trim().length > 0) blank = false;
    }
    if (!blank) rows.push({ sourceRow: record, cells });
  }
  return rows;
}

/**
 * The file as text, in chunks. UTF-8 loses its byte-order mark in the decoder; the other encodings
 * lose theirs there too, and csv-parse, which read them re-encoded as UTF-8, skipped one more at the
 * start. The file is read into two buffers of its own, the next chunk while this one is split: a
 * stream would take a new buffer for every chunk, held until the garbage collector gets to them.
 *
 * The sniffer judged the encoding from the head of the file only. Rows may have been sent by the time
 * a later chunk turns out not to be UTF-8, so reading goes on, with replacement characters for the
 * bytes that are not, after calling `onUndecodable` for the first such chunk.
 */
async function* decodedText(path: string, encoding: TextEncodingName, onUndecodable: () => void): AsyncGenerator<string> {
  const decoder = encoding === 'utf-8' ? new StrictUtf8(onUndecodable) : new TextDecoder(encoding);
  const handle = await open(path, 'r');
  const buffers = [Buffer.allocUnsafeSlow(READ_BYTES), Buffer.allocUnsafeSlow(READ_BYTES)];
  let next = 0;
  let reading = handle.read(buffers[0] as Buffer, 0, READ_BYTES, null);
  let first = encoding !== 'utf-8';
  try {
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      next = 1 - next;
      reading = handle.read(buffers[next] as Buffer, 0, READ_BYTES, null);
      let text = decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
      if (first && text !== '') {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      yield text;
    }
    const rest = decoder.decode();
    yield first && rest.charCodeAt(0) === 0xfeff ? rest.slice(1) : rest;
  } finally {
    await reading.catch(() => undefined);
    await handle.close();
  }
}

/**
 * A UTF-8 decoder that reports the first chunk holding bytes that are not UTF-8, then goes on as a
 * lenient one. A strict decoder that fails loses the unfinished character it held from the chunk
 * before, so the last bytes fed are kept to hand that character on.
 */
class StrictUtf8 {
  private decoder = new TextDecoder('utf-8', { fatal: true });
  private strict = true;
  private fed = 0;
  private tail = Buffer.alloc(0);

  constructor(private readonly onUndecodable: () => void) {}

  decode(bytes: Uint8Array = new Uint8Array(0), options: { stream?: boolean } = {}): string {
    if (!this.strict) return this.decoder.decode(bytes, options);
    try {
      const text = this.decoder.decode(bytes, options);
      this.fed += bytes.length;
      this.tail = Buffer.concat([this.tail, bytes.subarray(-3)]).subarray(-3);
      return text;
    } catch {
      this.strict = false;
      this.onUndecodable();
      this.decoder = new TextDecoder('utf-8', { ignoreBOM: this.fed > 0 });
      return this.decoder.decode(Buffer.concat([unfinishedUtf8(this.tail), bytes]), options);
    }
  }
}

/** The bytes at the end of valid UTF-8 that start a character they do not finish (at most 3). */
function unfinishedUtf8(bytes: Uint8Array): Uint8Array {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const b = bytes[end - back] ?? 0;
    if ((b & 0xc0) === 0x80) continue;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(end - back) : bytes.subarray(end);
  }
  return bytes.subarray(end);
}

function decodeTo8(encoding: TextEncodingName): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, decoder.decode(chunk, { stream: true }));
    },
    flush(callback) {
      callback(null, decoder.decode());
    },
  });
}

async function csvError(error: unknown, path: string, options: Options, encoding: TextEncodingName | undefined): Promise<RunError> {
  const name = basename(path);
  if (!(error instanceof CsvSyntaxError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new RunError('FILE_UNREADABLE', `Cannot read ${name}: ${reason}`);
  }
  const row = error.records;
  const line = await startLineOf(path, options, row, encoding);
  const where = `row ${row + 1} (line ${line})`;
  // Both ways to fail: an unclosed quote ends the file in a cell, or swallows more than a record can hold.
  return new RunError(
    'FILE_CORRUPT',
    `${name}, ${where}: a quote (") opens a cell that is never closed, so the rest of the file would be read as one cell. ` +
      'Remove the quote or close it, then run again.',
  );
}

/**
 * The line on which record `records + 1` starts. Tracking lines during the main pass costs a third
 * of the parse time, so it is found only when there is an error to report, by parsing again up to
 * the last good record.
 */
async function startLineOf(path: string, options: Options, records: number, encoding: TextEncodingName | undefined): Promise<number> {
  if (records === 0) return 1;
  const file = createReadStream(path);
  const parser = parse({ ...options, info: true, to: records });
  pipeline(encoding ? [file, decodeTo8(encoding), parser] : [file, parser], () => {});
  let line = 1;
  try {
    for await (const item of parser as AsyncIterable<{ info: { lines: number } }>) line = item.info.lines + 1;
  } catch {
    // The error is being reported already; the line is a courtesy.
  } finally {
    parser.destroy();
    file.destroy();
  }
  return line;
}
