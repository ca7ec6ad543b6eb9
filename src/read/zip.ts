// Random access to the parts of an .xlsx (a zip archive) through its central directory: the
// workbook parts are read in the order they are needed, the one sheet asked for is streamed, and
// the other sheets are never touched. Each part is its own file stream + inflater, so close() can
// stop it for sure and every error reaches the reader instead of an unhandled 'error' event.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createInflateRaw, type ZlibOptions } from 'node:zlib';
import { RunError } from '../errors.js';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

export interface ZipArchive {
  /** Entries by lower-cased part name (zip part names in Office files compare case-insensitively). */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The uncompressed bytes of an entry as a stream; destroy it to stop reading. */
  open(entry: ZipEntry): Promise<Readable>;
  readText(entry: ZipEntry, maxBytes?: number): Promise<string>;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;

export async function openZip(path: string, size: number): Promise<ZipArchive> {
  const name = basename(path);
  const corrupt = (why: string) =>
    new RunError('FILE_CORRUPT', `${name} looks like an .xlsx (zip) file but ${why}.`);
  const handle = await open(path, 'r');
  let entries: Map<string, ZipEntry>;
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      if (bytesRead < length) throw corrupt('it ends early (it was probably cut off while copying or downloading)');
      return buf;
    };
    const tailLength = Math.min(size, 65535 + 22);
    const tail = await read(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw corrupt('its end is missing (it was probably cut off while copying or downloading)');
    let count = tail.readUInt16LE(eocd + 10);
    let dirSize = tail.readUInt32LE(eocd + 12);
    let dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) throw corrupt('its directory is damaged');
      const record = await read(Number(tail.readBigUInt64LE(locator + 8)), 56);
      if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw corrupt('its directory is damaged');
      count = Number(record.readBigUInt64LE(32));
      dirSize = Number(record.readBigUInt64LE(40));
      dirOffset = Number(record.readBigUInt64LE(48));
    }
    if (dirSize > MAX_CENTRAL_DIRECTORY || dirOffset + dirSize > size) throw corrupt('its directory is damaged');
    entries = parseCentralDirectory(await read(dirOffset, dirSize), count, size, corrupt);
  } finally {
    await handle.close();
  }

  const open_ = async (entry: ZipEntry): Promise<Readable> => {
    if (entry.flags & 0x1) throw new RunError('FILE_ENCRYPTED', `${name} has encrypted parts; it cannot be read.`);
    if (entry.method !== 0 && entry.method !== 8) throw corrupt(`its part ${entry.name} uses an unsupported compression (method ${entry.method})`);
    const header = Buffer.alloc(30);
    const h = await open(path, 'r');
    try {
      await h.read(header, 0, 30, entry.localHeaderOffset);
    } finally {
      await h.close();
    }
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(`its part ${entry.name} is damaged`);
    const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (entry.compressedSize === 0) return Readable.from([]);
    const raw = createReadStream(path, { start, end: start + entry.compressedSize - 1, highWaterMark: 64 * 1024 });
    if (entry.method === 0) return raw;
    // Chunks of 64 KB, not zlib's 16 KB: zlib hands each chunk back through the event loop before it
    // goes on, and a reader busy with rows turns it seldom. Not larger: the text of a chunk lives until
    // its rows are read, and a longer-lived one outlives garbage collections. A megabyte inflated ahead
    // lets zlib go on while the reader scans what it has.
    const options: ZlibOptions & { readableHighWaterMark: number } = { chunkSize: 64 * 1024, readableHighWaterMark: 1024 * 1024 };
    const inflate = createInflateRaw(options);
    // pipeline destroys both sides on error or early destroy; the reader sees the error on `inflate`.
    pipeline(raw, inflate, () => {});
    return inflate;
  };

  return {
    entries,
    open: open_,
    async readText(entry, maxBytes = 32 * 1024 * 1024) {
      if (entry.uncompressedSize > maxBytes) throw corrupt(`its part ${entry.name} is implausibly large`);
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of await open_(entry)) chunks.push(chunk as Buffer);
      } catch (error) {
        if (error instanceof RunError) throw error;
        throw corrupt(`its part ${entry.name} cannot be decompressed (${(error as Error).message})`);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

function parseCentralDirectory(
  dir: Buffer,
  count: number,
  size: number,
  corrupt: (why: string) => RunError,
): Map<string, ZipEntry> {
  const entries = new Map<string, ZipEntry>();
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 46 > dir.length || dir.readUInt32LE(off) !== CENTRAL_SIGNATURE) throw corrupt('its directory is damaged');
    const flags = dir.readUInt16LE(off + 8);
    const method = dir.readUInt16LE(off + 10);
    let compressedSize = dir.readUInt32LE(off + 20);
    let uncompressedSize = dir.readUInt32LE(off + 24);
    const nameLength = dir.readUInt16LE(off + 28);
    const extraLength = dir.readUInt16LE(off + 30);
    const commentLength = dir.readUInt16LE(off + 32);
    let localHeaderOffset = dir.readUInt32LE(off + 42);
    const name = dir.toString(flags & 0x800 ? 'utf8' : 'latin1', off + 46, off + 46 + nameLength);
    // Zip64: sizes and offset that do not fit 32 bits move to extra field 0x0001, in this order.
    let extra = off + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = dir.readUInt16LE(extra);
      const length = dir.readUInt16LE(extra + 2);
      if (id === 0x0001) {
        let p = extra + 4;
        if (uncompressedSize === 0xffffffff) {
          uncompressedSize = Number(dir.readBigUInt64LE(p));
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(dir.readBigUInt64LE(p));
          p += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(dir.readBigUInt64LE(p));
      }
      extra += 4 + length;
    }
    if (localHeaderOffset + compressedSize > size) throw corrupt(`its part ${name} is cut off`);
    entries.set(name.replace(/^\//, '').toLowerCase(), { name, method, flags, compressedSize, uncompressedSize, localHeaderOffset });
    off = extraEnd + commentLength;
  }
  return entries;
}
