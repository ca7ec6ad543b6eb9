// The CSV reader: csv-parse over a file stream, never the whole file in memory. UTF-8 goes to the
// parser as bytes (the fast path); UTF-16 and windows-1252 are decoded to UTF-8 on the way. Rows are
// numbered by CSV record, counting blank lines, the way a spreadsheet opening the file numbers them.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import { RunError } from '../errors.js';
import type { SourceRow } from '../pipeline/types.js';
import { readableBatches, type Batches } from './batches.js';
import { unescapeFormulaText } from './cells.js';
import type { TextEncodingName } from './sniff.js';

export type Delimiter = ',' | ';' | '\t';

/** A record longer than this is an unclosed quote swallowing the file, not data. */
const MAX_RECORD_BYTES = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;

export interface OpenedCsv {
  readonly delimiter: Delimiter;
  readonly rows: Batches<SourceRow>;
}

export async function openCsv(path: string, encoding: TextEncodingName): Promise<OpenedCsv> {
  const delimiter = detectDelimiter(await readSample(path, encoding));
  return { delimiter, rows: readCsvRows(path, encoding, delimiter) };
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

async function* readCsvRows(path: string, encoding: TextEncodingName, delimiter: Delimiter): Batches<SourceRow> {
  const options: Options = {
    delimiter,
    bom: true,
    relax_column_count: true,
    // A stray quote inside a field (`5" screen`) is kept as text instead of failing the file.
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_BYTES,
  };
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const parser = parse(options);
  const streams: Readable[] = encoding === 'utf-8' ? [file] : [file, decodeTo8(encoding)];
  pipeline([...streams, parser], () => {});
  let record = 0;
  try {
    for await (const records of readableBatches<string[]>(parser)) {
      const rows: SourceRow[] = [];
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
      if (rows.length > 0) yield rows;
    }
  } catch (error) {
    throw await csvError(error, path, options, streams.length > 1 ? encoding : undefined);
  } finally {
    parser.destroy();
    file.destroy();
  }
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
  if (!(error instanceof CsvError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new RunError('FILE_UNREADABLE', `Cannot read ${name}: ${reason}`);
  }
  const row = (error as CsvError & { records?: number }).records ?? 0;
  const line = await startLineOf(path, options, row, encoding);
  const where = `row ${row + 1} (line ${line})`;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE') {
    return new RunError(
      'FILE_CORRUPT',
      `${name}, ${where}: a quote (") opens a cell that is never closed, so the rest of the file would be read as one cell. ` +
        'Remove the quote or close it, then run again.',
    );
  }
  return new RunError('FILE_CORRUPT', `${name}, ${where}: ${error.message}`);
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
