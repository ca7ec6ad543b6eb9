// Decide what a file is from its first bytes, not its name: people rename exports, and systems
// save HTML or CSV under an .xls name. Anything that is neither a workbook nor text is refused here
// with a sentence saying what it looks like.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { RunError } from '../errors.js';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type Sniffed = { format: 'xlsx'; size: number } | { format: 'csv'; size: number; encoding: TextEncodingName };

const SAMPLE_BYTES = 64 * 1024;

/** Opens the file, reads its head and says how to read it; throws RunError for anything unreadable. */
export async function sniffFile(path: string): Promise<Sniffed> {
  const name = basename(path);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(error, path);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new RunError('FILE_UNREADABLE', `${path} is a folder, not a file.`);
    if (stat.size === 0) throw new RunError('FILE_EMPTY', `${name} is empty (0 bytes).`);
    const head = Buffer.alloc(Math.min(SAMPLE_BYTES, stat.size));
    await handle.read(head, 0, head.length, 0);
    if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return { format: 'xlsx', size: stat.size };
    if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
      throw await describeCompoundFile(handle, head, name);
    }
    const binary = describeBinary(head);
    if (binary !== undefined) throw new RunError('UNKNOWN_FORMAT', `${name} is ${binary}, not a spreadsheet.`);
    const encoding = textEncoding(head, stat.size);
    if (encoding === undefined) {
      throw new RunError('UNKNOWN_FORMAT', `${name} holds binary data: it is neither an Excel workbook nor a text (CSV) file.`);
    }
    const markup = describeMarkup(head, encoding);
    if (markup !== undefined) throw new RunError('UNKNOWN_FORMAT', `${name} is ${markup}, not a CSV or .xlsx file.`);
    return { format: 'csv', size: stat.size, encoding };
  } finally {
    await handle.close();
  }
}

export function fileError(error: unknown, path: string): RunError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new RunError('FILE_NOT_FOUND', `No file at ${path}.`);
  if (code === 'EISDIR') return new RunError('FILE_UNREADABLE', `${path} is a folder, not a file.`);
  const reason = error instanceof Error ? error.message : String(error);
  return new RunError('FILE_UNREADABLE', `Cannot read ${path}: ${reason}`);
}

function startsWith(buf: Buffer, bytes: readonly number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

const SIGNATURES: ReadonlyArray<readonly [readonly number[], string]> = [
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x1f, 0x8b], 'a gzip-compressed archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0x50, 0x4b, 0x05, 0x06], 'an empty zip archive'],
  [[0xff, 0xfe, 0x00, 0x00], 'a UTF-32 text file (save it as UTF-8 instead)'],
  [[0x7b, 0x5c, 0x72, 0x74, 0x66], 'an RTF document'],
  [[0x09, 0x08], 'an old Excel (BIFF) workbook'],
];

function describeBinary(head: Buffer): string | undefined {
  for (const [bytes, what] of SIGNATURES) if (startsWith(head, bytes)) return what;
  return undefined;
}

/**
 * The text encoding of a file that is not a known binary format, or undefined when it is not text.
 * Without a byte-order mark, bytes that are not valid UTF-8 mean the file came from Excel's
 * "CSV (Comma delimited)" on Windows, which writes the ANSI code page (windows-1252).
 */
function textEncoding(head: Buffer, size: number): TextEncodingName | undefined {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return 'utf-8';
  if (startsWith(head, [0xff, 0xfe])) return 'utf-16le';
  if (startsWith(head, [0xfe, 0xff])) return 'utf-16be';
  const probe = head.subarray(0, 4096);
  let evenZeros = 0;
  let oddZeros = 0;
  let controls = 0;
  for (let i = 0; i < probe.length; i++) {
    const b = probe[i] ?? 0;
    if (b === 0) {
      if (i % 2 === 0) evenZeros++;
      else oddZeros++;
    } else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) controls++;
  }
  const half = probe.length / 2;
  if (oddZeros > half * 0.3 && evenZeros < half * 0.05) return 'utf-16le';
  if (evenZeros > half * 0.3 && oddZeros < half * 0.05) return 'utf-16be';
  if (evenZeros + oddZeros > 0 || controls > probe.length * 0.01) return undefined;
  return isUtf8(head, head.length < size) ? 'utf-8' : 'windows-1252';
}

function isUtf8(head: Buffer, truncated: boolean): boolean {
  // A sample cut in the middle of a multi-byte character must not count against it.
  let end = head.length;
  if (truncated) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && ((head[end - back - 1] ?? 0) & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && (head[end - back - 1] ?? 0) >= 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** Web pages and XML saved with a spreadsheet's name: common "Excel" exports of web applications. */
function describeMarkup(head: Buffer, encoding: TextEncodingName): string | undefined {
  const text = new TextDecoder(encoding).decode(head.subarray(0, 2048)).replace(/^\uFEFF/, '').trimStart();
  const lower = text.slice(0, 1024).toLowerCase();
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'a web page (HTML)';
  if (lower.startsWith('<?xml')) {
    return lower.includes('urn:schemas-microsoft-com:office:spreadsheet')
      ? 'an Excel 2003 XML spreadsheet'
      : 'an XML document';
  }
  return undefined;
}

/**
 * Office files in the old compound-file container. An .xlsx protected with a password to open is
 * stored this way too, as the streams `EncryptionInfo` and `EncryptedPackage`; a legacy .xls holds a
 * `Workbook` (or `Book`) stream. The directory's stream names tell them apart.
 */
async function describeCompoundFile(handle: FileHandle, head: Buffer, name: string): Promise<RunError> {
  const names = await compoundFileNames(handle, head).catch(() => new Set<string>());
  if (names.has('EncryptedPackage') || names.has('EncryptionInfo')) {
    return new RunError('FILE_ENCRYPTED', `${name} is an Excel workbook protected with a password to open; it cannot be read.`);
  }
  if (names.has('Workbook') || names.has('Book')) {
    return new RunError('UNKNOWN_FORMAT', `${name} is an Excel 97-2003 workbook (.xls), which this tool does not read.`);
  }
  if (names.has('WordDocument')) return new RunError('UNKNOWN_FORMAT', `${name} is a Word document, not a spreadsheet.`);
  return new RunError('UNKNOWN_FORMAT', `${name} is an old-style Office file (compound document), not an .xlsx or CSV file.`);
}

const MAX_DIRECTORY_SECTORS = 64;

async function compoundFileNames(handle: FileHandle, head: Buffer): Promise<Set<string>> {
  const sectorSize = 1 << head.readUInt16LE(0x1e);
  const readSector = async (sector: number): Promise<Buffer> => {
    const buf = Buffer.alloc(sectorSize);
    await handle.read(buf, 0, sectorSize, (sector + 1) * sectorSize);
    return buf;
  };
  // The first 109 sectors of the allocation table are listed in the header; enough for the directory
  // chain of any workbook that is small enough to matter here.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) fatSectors.push(head.readUInt32LE(0x4c + i * 4));
  const perFatSector = sectorSize / 4;
  const nextSector = async (sector: number): Promise<number> => {
    const fat = fatSectors[Math.floor(sector / perFatSector)];
    if (fat === undefined || fat >= 0xfffffffa) return 0xfffffffe;
    return (await readSector(fat)).readUInt32LE((sector % perFatSector) * 4);
  };
  const names = new Set<string>();
  let sector = head.readUInt32LE(0x30);
  for (let n = 0; n < MAX_DIRECTORY_SECTORS && sector < 0xfffffffa; n++) {
    const buf = await readSector(sector);
    for (let off = 0; off + 128 <= buf.length; off += 128) {
      const length = buf.readUInt16LE(off + 0x40);
      if (length >= 2 && length <= 64) names.add(buf.toString('utf16le', off, off + length - 2));
    }
    sector = await nextSector(sector);
  }
  return names;
}
