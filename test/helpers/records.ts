// Reading sheets into record items, as validate and import see them, for tests of the reader.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceRow } from '../../src/pipeline/types.js';
import { readRawRows } from '../../src/read/index.js';
import { readRecords, type ReadRecordsOptions, type RecordItem } from '../../src/validate/index.js';

/** Every row of the sheet at `path` as read, before the header is looked for or a cell validated. */
export async function rawRows(path: string, sheet?: string): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of readRawRows(path, sheet === undefined ? {} : { sheet })) out.push(row);
  return out;
}

/** Every item of the sheet at `path`, the stream closed after. */
export async function recordItems(path: string, options: ReadRecordsOptions = {}): Promise<RecordItem[]> {
  const stream = await readRecords(path, options);
  const out: RecordItem[] = [];
  try {
    for await (const item of stream.items) out.push(item);
  } finally {
    await stream.close();
  }
  return out;
}

/** Reads CSV content written to a new file, in a temp folder named from `prefix`, each call its own file. */
export function csvReader(prefix: string): (content: string | Buffer) => Promise<RecordItem[]> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return (content) => {
    const path = join(dir, `${n++}.csv`);
    writeFileSync(path, content);
    return recordItems(path);
  };
}
