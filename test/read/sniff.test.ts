import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { openSheet } from '../../src/read/index.js';
import { writeZip } from './helpers/xlsx-package.js';
import { refusal } from './helpers/refusal.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-sniff-'));
let n = 0;
function file(content: string | Buffer, name = `f${n++}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function refusedFile(path: string): Promise<{ name: string; code: string; message: string }> {
  return refusal(openSheet(path));
}

/** A minimal compound (OLE) file whose directory holds these stream names. */
function compoundFile(names: string[]): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  header.writeUInt16LE(9, 0x1e); // 512-byte sectors
  header.writeUInt32LE(0, 0x30); // directory starts at sector 0
  header.writeUInt32LE(1, 0x4c); // the allocation table is sector 1
  for (let i = 1; i < 109; i++) header.writeUInt32LE(0xffffffff, 0x4c + i * 4);
  const directory = Buffer.alloc(512);
  ['Root Entry', ...names].forEach((name, i) => {
    const bytes = Buffer.from(`${name}\0`, 'utf16le');
    bytes.copy(directory, i * 128);
    directory.writeUInt16LE(bytes.length, i * 128 + 0x40);
  });
  const fat = Buffer.alloc(512, 0xff);
  fat.writeUInt32LE(0xfffffffe, 0);
  fat.writeUInt32LE(0xfffffffd, 4);
  return Buffer.concat([header, directory, fat]);
}

describe('files that are not a readable sheet are refused with what they are', () => {
  test.each([
    ['a missing file', undefined, 'FILE_NOT_FOUND', 'No file at'],
    ['an empty file', '', 'FILE_EMPTY', 'is empty (0 bytes)'],
    ['a PNG image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'UNKNOWN_FORMAT', 'a PNG image'],
    ['a PDF', '%PDF-1.7\n%\xe2\xe3', 'UNKNOWN_FORMAT', 'a PDF document'],
    ['random binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), 'UNKNOWN_FORMAT', 'binary data'],
    ['an HTML page saved as .xls', '<!DOCTYPE html><html><table><tr><td>Email</td></tr></table></html>', 'UNKNOWN_FORMAT', 'a web page'],
    ['Excel 2003 XML', '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>', 'UNKNOWN_FORMAT', 'Excel 2003 XML'],
    ['an encrypted workbook', compoundFile(['EncryptionInfo', 'EncryptedPackage']), 'FILE_ENCRYPTED', 'password'],
    ['a legacy .xls', compoundFile(['Workbook', 'SummaryInformation']), 'UNKNOWN_FORMAT', 'Excel 97-2003 workbook (.xls)'],
    ['a Word .doc', compoundFile(['WordDocument']), 'UNKNOWN_FORMAT', 'a Word document'],
  ])('%s', async (_, content, code, words) => {
    const path = content === undefined ? join(dir, 'nope.csv') : file(content);
    const error = await refusedFile(path);
    expect(error.name).toBe('RunError');
    expect(error.code).toBe(code);
    expect(error.message).toContain(words);
  });

  test('a folder', async () => {
    expect((await refusedFile(dir)).code).toBe('FILE_UNREADABLE');
  });

  test('zip archives that hold no workbook say what they hold', async () => {
    const docx = join(dir, 'letter.xlsx');
    writeZip(docx, { '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w:document/>' });
    expect(await refusedFile(docx)).toMatchObject({ code: 'UNKNOWN_FORMAT', message: 'letter.xlsx is a Word document (.docx), not an Excel workbook.' });
    const ods = join(dir, 'sheet.ods');
    writeZip(ods, { mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': '<office:document-content/>' });
    expect(await refusedFile(ods)).toMatchObject({ code: 'UNKNOWN_FORMAT', message: 'sheet.ods is an OpenDocument file (.ods), not an Excel workbook.' });
  });

  test('the content decides, not the name: a CSV named .xlsx is read as CSV', async () => {
    const sheet = await openSheet(file('Email,Package,Start\na@b.co,Gold,2025-01-01\n', 'export.xlsx'));
    expect(sheet.format).toBe('csv');
    await sheet.close();
  });
});
