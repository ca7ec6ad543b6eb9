import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { openZip } from '../../src/read/zip.js';
import { FileSink } from '../../src/write/file-sink.js';
import { ZipWriter } from '../../src/write/zip-writer.js';
import { scratchFolder } from './helpers.js';

async function writeArchive(options: { zip64From?: number } = {}) {
  const path = join(await scratchFolder(), 'parts.zip');
  const handle = await open(path, 'wx');
  const sink = new FileSink(handle);
  const zip = new ZipWriter(sink, options);
  await zip.add('first.xml', '<a>first</a>');
  const entry = await zip.stream('xl/worksheets/sheet1.xml');
  let streamed = '';
  for (let i = 0; i < 20_000; i++) {
    // Now and then a text longer than a piece's buffer, deflated as a piece of its own.
    const piece = i % 4000 === 3 ? `<row r="${i}"><c><v>${'é😀'.repeat(200_000)}</v></c></row>` : `<row r="${i}"><c><v>${i} é 😀</v></c></row>`;
    streamed += piece;
    const wait = entry.write(piece);
    if (wait) await wait;
  }
  await entry.end();
  await zip.add('名前.xml', Buffer.from('<b/>'));
  await zip.finish();
  await sink.end();
  await handle.close();
  return { path, streamed };
}

/** Every entry as our own reader (which follows Zip64 records) and JSZip read it. */
async function contents(path: string): Promise<Array<Record<string, string>>> {
  const ours = await openZip(path, (await stat(path)).size);
  const fromOurs: Record<string, string> = {};
  for (const entry of ours.entries.values()) fromOurs[entry.name] = await ours.readText(entry);
  const theirs = await JSZip.loadAsync(await readFile(path));
  const fromJsZip: Record<string, string> = {};
  for (const name of Object.keys(theirs.files)) fromJsZip[name] = (await theirs.file(name)?.async('string')) ?? '';
  return [fromOurs, fromJsZip];
}

describe('ZipWriter', () => {
  it('writes whole and streamed entries that zip readers read back', async () => {
    const { path, streamed } = await writeArchive();
    const expected = { 'first.xml': '<a>first</a>', 'xl/worksheets/sheet1.xml': streamed, '名前.xml': '<b/>' };
    for (const read of await contents(path)) expect(read).toEqual(expected);
  });

  it('records sizes and offsets past the Zip64 limit the Zip64 way', async () => {
    // A limit of 100 bytes stands for 4 GB: every size and offset past it goes into Zip64 records.
    const { path, streamed } = await writeArchive({ zip64From: 100 });
    const bytes = await readFile(path);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    const expected = { 'first.xml': '<a>first</a>', 'xl/worksheets/sheet1.xml': streamed, '名前.xml': '<b/>' };
    for (const read of await contents(path)) expect(read).toEqual(expected);
  });

  it('refuses a second entry while one is streamed', async () => {
    const handle = await open(join(await scratchFolder(), 'x.zip'), 'wx');
    const zip = new ZipWriter(new FileSink(handle));
    const entry = await zip.stream('a.xml');
    await expect(zip.add('b.xml', 'b')).rejects.toThrow(/still being streamed/);
    entry.destroy();
    await handle.close();
  });
});
