// Hostile input files, generated from a seed: each generator writes one file and says what it is.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { mulberry32 } from '../../src/sandbox/faults.js';
import { creatableRows } from '../helpers/sheets.js';

export interface Rng {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
}

export function rng(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export interface HostileInput {
  readonly kind: string;
  readonly path: string;
}

const ROWS = creatableRows(40, 40);
const HEADER = ['Email', 'Package', 'Start', 'End', 'Price', 'Note'];

function plainRows(r: Rng, n = 1 + r.int(12)): string[][] {
  return Array.from({ length: n }, () => {
    const p = r.pick(ROWS);
    return [p.email, p.packageName, p.validFrom, r.next() < 0.3 ? '2027-12-31' : '', p.price ?? '', `n${r.int(1000)}`];
  });
}

function csvCell(v: string): string {
  return /[",\r\n;\t]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function csvText(rows: string[][], eol = '\n'): string {
  return rows.map((row) => row.map(csvCell).join(',')).join(eol) + eol;
}

const DATE_TEXTS = [
  '2025-01-02', '1/2/2025', '01/02/2025', '13/01/2025', '01/13/2025', '2025/01/02', '02-Jan-2025', '2 January 2025',
  'January 2, 2025', 'Jan 2 2025', '2025-02-29', '2024-02-29', '29/02/2023', '31/04/2025', '2025-13-01', '2025-00-10',
  '45000', '45000.75', '0', '-1', '1e5', '99999999', '2025-01-02T10:00:00Z', 'Thu Jan 02 2025', ' 2025-01-02 ', '2025-1-2',
  '2.1.2025', '20250102', 'yesterday', 'N/A', '#VALUE!', '=TODAY()', '١٠/٠١/٢٠٢٥', '2025-01-02\u00a0', '0000-00-00', '9999-12-31',
];
const FORMULAS = ['=1+2', '=HYPERLINK("http://x.test","click")', '+1', '-2', '@SUM(A1)', '\t=1', '\r=1', '=cmd|\' /C calc\'!A0', '#N/A', '#DIV/0!', '#REF!'];
const JUNK_CELLS = ['', ' ', '""', '\u0000', '\uFFFD', '\u202E', 'Ω≈ç√', '😀', 'a'.repeat(300), '-0', 'NaN', 'Infinity', '$-1', '1,2,3', '€1.200,50'];

function mutatedCell(r: Rng): string {
  const roll = r.next();
  if (roll < 0.35) return r.pick(DATE_TEXTS);
  if (roll < 0.6) return r.pick(FORMULAS);
  return r.pick(JUNK_CELLS);
}

function mutatedRows(r: Rng): string[][] {
  return plainRows(r).map((row) => row.map((cell) => (r.next() < 0.35 ? mutatedCell(r) : cell)));
}

function randomBytes(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

function spliceBytes(r: Rng, base: Buffer, count: number): Buffer {
  const out = Buffer.from(base);
  for (let k = 0; k < count; k++) out[r.int(out.length)] = r.int(256);
  return out;
}

type Generator = (r: Rng) => { kind: string; ext: 'csv' | 'xlsx'; bytes: Buffer | (() => Buffer) };

const csvGenerators: Generator[] = [
  (r) => {
    const base = Buffer.from(csvText([HEADER, ...plainRows(r)]));
    const junk = randomBytes(r, 1 + r.int(200));
    const at = r.int(base.length);
    return { kind: 'csv with binary junk', ext: 'csv', bytes: Buffer.concat([base.subarray(0, at), junk, base.subarray(at)]) };
  },
  (r) => ({ kind: 'csv of random bytes', ext: 'csv', bytes: randomBytes(r, 1 + r.int(4000)) }),
  (r) => {
    const text = csvText([HEADER, ...plainRows(r)]);
    const at = r.int(text.length);
    return { kind: 'csv with an unmatched quote', ext: 'csv', bytes: Buffer.from(text.slice(0, at) + '"' + text.slice(at)) };
  },
  (r) => {
    const rows = plainRows(r);
    const big = r.pick(['x', 'a,b', 'line\nbreak', '"', 'é']).repeat(Math.ceil(100_000 / 3)).slice(0, 100_000);
    rows[r.int(rows.length)]![r.int(HEADER.length)] = big;
    return { kind: 'csv with a 100,000-character cell', ext: 'csv', bytes: Buffer.from(csvText([HEADER, ...rows])) };
  },
  (r) => {
    const width = 10_000;
    const header = Array.from({ length: width }, (_, i) => HEADER[i] ?? `Extra ${i}`);
    const rows = plainRows(r, 1 + r.int(5)).map((row) => Array.from({ length: width }, (_, i) => row[i] ?? (r.next() < 0.1 ? mutatedCell(r) : '')));
    return { kind: 'csv with 10,000 columns', ext: 'csv', bytes: Buffer.from(csvText([header, ...rows])) };
  },
  (r) => {
    const base = Buffer.from(csvText([HEADER, ...plainRows(r)]));
    const bad = [Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xe2, 0x82]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])];
    const parts: Buffer[] = [];
    let last = 0;
    for (let k = 0; k < 1 + r.int(5); k++) {
      const at = last + r.int(Math.max(1, base.length - last));
      parts.push(base.subarray(last, at), r.pick(bad));
      last = at;
    }
    parts.push(base.subarray(last));
    return { kind: 'csv with invalid UTF-8', ext: 'csv', bytes: Buffer.concat(parts) };
  },
  (r) => {
    const text = csvText([HEADER, ...mutatedRows(r)], r.pick(['\n', '\r\n']));
    const le = r.next() < 0.5;
    const body = Buffer.from(text, 'utf16le');
    if (!le) body.swap16();
    const bom = r.next() < 0.7 ? Buffer.from(le ? [0xff, 0xfe] : [0xfe, 0xff]) : Buffer.alloc(0);
    const cut = r.next() < 0.2 ? 1 : 0;
    return { kind: `csv in UTF-16${le ? 'LE' : 'BE'}`, ext: 'csv', bytes: Buffer.concat([bom, body.subarray(0, body.length - cut)]) };
  },
  (r) => ({ kind: 'csv with formulas, error cells and dates as text', ext: 'csv', bytes: Buffer.from(csvText([HEADER, ...mutatedRows(r)])) }),
  (r) => {
    const text = csvText([HEADER, ...plainRows(r)]);
    return { kind: 'truncated csv', ext: 'csv', bytes: Buffer.from(text.slice(0, r.int(text.length))) };
  },
  (r) => {
    const odd = ['', '\uFEFF', '\n\n\n', '\r\r\r', 'Email\n', 'Email,Package,Start\n', ',,,\n,,,\n', '\u0000'.repeat(500), 'x'.repeat(2_000_000), '"'.repeat(10_001), HEADER.join(';') + '\n' + plainRows(r).map((x) => x.join(';')).join('\r')];
    return { kind: 'csv of odd structure', ext: 'csv', bytes: Buffer.from(r.pick(odd)) };
  },
];

interface ZipFile {
  readonly name: string;
  readonly data: Buffer;
  readonly deflate: boolean;
  /** Lie about the uncompressed size, as a bomb does. */
  readonly claimedSize?: number;
}

export function zipBytes(files: readonly ZipFile[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const stored = file.deflate ? deflateRawSync(file.data, { level: 9 }) : file.data;
    const name = Buffer.from(file.name, 'utf8');
    const size = file.claimedSize ?? file.data.length;
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(file.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(file.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += 30 + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function xmlEscape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function inlineCell(text: string): string {
  return `<c t="inlineStr"><is><t xml:space="preserve">${xmlEscape(text)}</t></is></c>`;
}

function rowXml(cells: string[]): string {
  return `<row>${cells.join('')}</row>`;
}

/** A workbook of one sheet whose XML inside <sheetData> (or shared strings) the caller gives. */
function workbook(sheetData: string | Buffer, options: { deflate?: boolean; sharedStrings?: string | Buffer; claimedSheetSize?: number } = {}): Buffer {
  const deflate = options.deflate ?? true;
  const text = (name: string, s: string | Buffer, claimedSize?: number): ZipFile => ({
    name,
    data: typeof s === 'string' ? Buffer.from(s) : s,
    deflate,
    ...(claimedSize !== undefined && { claimedSize }),
  });
  const sheet =
    typeof sheetData === 'string'
      ? `<?xml version="1.0"?><worksheet xmlns="${NS}"><sheetData>${sheetData}</sheetData></worksheet>`
      : Buffer.concat([Buffer.from(`<?xml version="1.0"?><worksheet xmlns="${NS}"><sheetData>`), sheetData, Buffer.from('</sheetData></worksheet>')]);
  return zipBytes([
    text(
      '[Content_Types].xml',
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>',
    ),
    text('_rels/.rels', `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    text('xl/workbook.xml', `<?xml version="1.0"?><workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    text(
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ),
    text('xl/worksheets/sheet1.xml', sheet, options.claimedSheetSize),
    text('xl/sharedStrings.xml', options.sharedStrings ?? `<?xml version="1.0"?><sst xmlns="${NS}"><si><t>Email</t></si></sst>`),
  ]);
}

function plainWorkbook(r: Rng, deflate: boolean): Buffer {
  return workbook([HEADER, ...plainRows(r)].map((row) => rowXml(row.map(inlineCell))).join(''), { deflate });
}

const HEADER_ROW = rowXml(HEADER.map(inlineCell));

function oddCell(r: Rng): string {
  const roll = r.int(11);
  switch (roll) {
    case 0: return `<c t="e"><v>${r.pick(['#DIV/0!', '#N/A', '#REF!', '#VALUE!', '#NAME?'])}</v></c>`;
    case 1: return `<c><f>SUM(A1:A2)</f><v>${r.int(50000)}</v></c>`;
    case 2: return `<c t="str"><f>A1&amp;"x"</f><v>${xmlEscape(r.pick(FORMULAS))}</v></c>`;
    case 3: return `<c t="b"><v>${r.pick(['1', '0', 'x'])}</v></c>`;
    case 4: return `<c t="s"><v>${r.pick(['0', '99999', '-1', 'x'])}</v></c>`;
    case 5: return `<c t="n"><v>${r.pick(['abc', '1e400', '-45000', '45000.5', ''])}</v></c>`;
    case 6: return `<c t="d"><v>${r.pick(['2025-01-02', 'garbage', '2025-02-30T00:00:00'])}</v></c>`;
    case 7: return `<c t="e"><f>1/0</f><v>#DIV/0!</v></c>`;
    case 8: return `<c><v>${r.int(3_000_000)}</v></c>`;
    default: return inlineCell(mutatedCell(r));
  }
}

let bombs: Array<{ kind: string; bytes: Buffer }> | undefined;

/** Built once per run: small files that open into huge sheets. */
export function zipBombs(scale = 1): Array<{ kind: string; bytes: Buffer }> {
  if (bombs) return bombs;
  const n = (count: number) => Math.round(count * scale);
  const manyEmptyRows = Buffer.from('<row/>'.repeat(n(4_000_000)));
  const manyCellsOneRow = Buffer.from(`${HEADER_ROW}<row>${'<c><v>1</v></c>'.repeat(n(2_000_000))}</row>`);
  const endlessTag = Buffer.from(`${HEADER_ROW}<row><c r="A2" ${'x'.repeat(n(30_000_000))}`);
  const hugeText = Buffer.from(`${HEADER_ROW}<row><c t="inlineStr"><is><t>${'y'.repeat(n(40_000_000))}</t></is></c></row>`);
  const manyStrings = `<?xml version="1.0"?><sst xmlns="${NS}">${'<si><t>s</t></si>'.repeat(n(3_000_000))}</sst>`;
  const manyRows = Buffer.from(HEADER_ROW + rowXml(['a@b.test', 'Gold', 'not a date', '', '', ''].map(inlineCell)).repeat(n(300_000)));
  bombs = [
    { kind: `zip bomb: ${n(4_000_000)} empty rows`, bytes: workbook(manyEmptyRows) },
    { kind: `zip bomb: ${n(2_000_000)} cells in one row`, bytes: workbook(manyCellsOneRow) },
    { kind: `zip bomb: a ${n(30)} MB tag that never closes`, bytes: workbook(endlessTag) },
    { kind: `zip bomb: a ${n(40)} MB cell`, bytes: workbook(hugeText) },
    { kind: `zip bomb: ${n(3_000_000)} shared strings`, bytes: workbook(HEADER_ROW, { sharedStrings: manyStrings }) },
    { kind: `zip bomb: ${n(4_000_000)} rows, the size understated`, bytes: workbook(manyEmptyRows, { claimedSheetSize: 1000 }) },
    { kind: `zip bomb: ${n(300_000)} invalid rows`, bytes: workbook(manyRows) },
  ];
  return bombs;
}

const xlsxGenerators: Generator[] = [
  (r) => {
    const base = plainWorkbook(r, r.next() < 0.5);
    return { kind: 'truncated xlsx', ext: 'xlsx', bytes: base.subarray(0, r.int(base.length)) };
  },
  (r) => ({ kind: 'xlsx with corrupted bytes (stored)', ext: 'xlsx', bytes: spliceBytes(r, plainWorkbook(r, false), 1 + r.int(20)) }),
  (r) => ({ kind: 'xlsx with corrupted bytes (deflated)', ext: 'xlsx', bytes: spliceBytes(r, plainWorkbook(r, true), 1 + r.int(20)) }),
  (r) => {
    const rows = plainRows(r).map((row) => rowXml(row.map((cell) => (r.next() < 0.4 ? oddCell(r) : inlineCell(cell)))));
    return { kind: 'xlsx with formulas, error cells and odd cell types', ext: 'xlsx', bytes: workbook(HEADER_ROW + rows.join('')) };
  },
  (r) => {
    const rows = plainRows(r).map((row) => rowXml(row.map((cell, i) => (i === 2 || i === 3 ? inlineCell(r.pick(DATE_TEXTS)) : inlineCell(cell)))));
    return { kind: 'xlsx with dates as text', ext: 'xlsx', bytes: workbook(HEADER_ROW + rows.join('')) };
  },
  (r) => {
    const junk = r.pick([randomBytes(r, 2000), Buffer.from('<row><c><v>1</c></row></sheetData>'), Buffer.from('<<<&&&'), Buffer.from('\u0000\u0001')]);
    return { kind: 'xlsx whose sheet XML is garbage', ext: 'xlsx', bytes: workbook(Buffer.concat([Buffer.from(HEADER_ROW), junk])) };
  },
  (r) => ({
    kind: 'not an xlsx at all',
    ext: 'xlsx',
    bytes: r.pick([Buffer.from('PK\u0003\u0004'), Buffer.alloc(0), randomBytes(r, 500), zipBytes([]), zipBytes([{ name: 'a.txt', data: Buffer.from('x'), deflate: false }])]),
  }),
];

/** The i-th hostile input of a run, written into `dir`. */
export async function hostileInput(seed: number, i: number, dir: string): Promise<HostileInput> {
  const r = rng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const generator = r.next() < 0.55 ? r.pick(csvGenerators) : r.pick(xlsxGenerators);
  const made = generator(r);
  const path = join(dir, `input-${i}.${made.ext}`);
  await writeFile(path, typeof made.bytes === 'function' ? made.bytes() : made.bytes);
  return { kind: made.kind, path };
}
