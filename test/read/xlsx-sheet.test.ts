// How the XLSX reader reads cells that only unusual files hold. Each answer is the one the reader
// gave when it read through exceljs's streaming reader, checked cell by cell on thousands of
// generated sheets when the reader was rewritten; these pin the ones a person could meet.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { SourceRow } from '../../src/pipeline/types.js';
import { readRawRows } from '../../src/read/index.js';
import { XmlScanner } from '../../src/read/xml-scanner.js';
import { CellStyles } from '../../src/read/xlsx-formats.js';
import { SheetRows } from '../../src/read/xlsx-sheet.js';
import { refusal } from './helpers/refusal.js';
import { writeXlsx, writeZip } from './helpers/xlsx-package.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-xlsx-sheet-'));
let n = 0;

async function read(sheet: string, parts: { sharedStrings?: string[] | string; numFmts?: string[] } = {}): Promise<SourceRow[]> {
  const path = join(dir, `s${n++}.xlsx`);
  writeXlsx(path, { sheet, ...parts });
  const rows: SourceRow[] = [];
  for await (const row of readRawRows(path)) rows.push(row);
  return rows;
}

describe('cell values', () => {
  test('string cells are decoded once more, as exceljs did: &amp;lt; reads as <', async () => {
    expect((await read('<row r="1"><c r="A1" t="str"><v>a &amp;lt;b&amp;gt;</v></c></row>'))[0]?.cells).toEqual(['a <b>']);
  });

  test('booleans, empty values, ISO dates typed "d" and unknown types', async () => {
    const rows = await read(
      '<row r="1"><c r="A1" t="b"><v>x</v></c><c r="B1" t="b"><v>0</v></c><c r="C1"><v></v></c><c r="D1" t="d"><v>2025-01-02</v></c>' +
        '<c r="E1" t="zz"><v>7</v></c><c r="F1" t="e"><v></v></c></row>',
    );
    expect(rows[0]?.cells).toEqual([true, false, null, { kind: 'date', iso: '2025-01-02' }, 7, { kind: 'error', text: '' }]);
  });

  test('cells typed "d" read as the calendar date written, whatever time or offset follows', async () => {
    const cells = [
      '2025-01-31T00:00:00',
      '2025-01-31T00:00:00Z',
      '2025-01-31T23:30:00-05:00',
      '2025-01-31T09:15:30.250+09:00',
      '2025-01-31 09:15',
      '1904-01-01T00:00:00',
      '2024-02-29',
    ];
    const xml = cells.map((v, i) => `<c r="${String.fromCharCode(65 + i)}2" s="1" t="d"><v>${v}</v></c>`).join('');
    const rows = await read(`<row r="2">${xml}</row>`, { numFmts: ['yyyy-mm-dd'] });
    expect(rows).toEqual([
      {
        sourceRow: 2,
        cells: [
          { kind: 'date', iso: '2025-01-31' },
          { kind: 'date', iso: '2025-01-31' },
          { kind: 'date', iso: '2025-01-31', time: '23:30:00' },
          { kind: 'date', iso: '2025-01-31', time: '09:15:30' },
          { kind: 'date', iso: '2025-01-31', time: '09:15:00' },
          { kind: 'date', iso: '1904-01-01' },
          { kind: 'date', iso: '2024-02-29' },
        ],
      },
    ]);
  });

  test('a cell typed "d" with only a time of day keeps its text, and is no problem of the row', async () => {
    const rows = await read('<row r="1"><c r="A1" t="d"><v>10:30:00</v></c><c r="B1" t="d"><v>T08:00</v></c><c r="C1" t="d"><v></v></c></row>');
    expect(rows).toEqual([{ sourceRow: 1, cells: ['10:30:00', 'T08:00'] }]);
  });

  test('a cell typed "d" that holds no date is a problem of its row, naming the cell, and keeps its text', async () => {
    const rows = await read(
      '<row r="1"><c r="A1" t="inlineStr"><is><t>Start</t></is></c></row>' +
        '<row r="2"><c r="A2" t="d"><v>2025-02-30</v></c><c r="B2" t="d"><v>31/01/2025</v></c><c r="C2" t="d"><v>2025-01-31</v></c></row>' +
        '<row r="3"><c r="A3" t="d"><v>2025-01-31T25:00:00</v></c></row>',
    );
    expect(rows).toEqual([
      { sourceRow: 1, cells: ['Start'] },
      {
        sourceRow: 2,
        cells: ['2025-02-30', '31/01/2025', { kind: 'date', iso: '2025-01-31' }],
        problems: [
          'cell A2: "2025-02-30" is typed as a date but is not one (expected YYYY-MM-DD)',
          'cell B2: "31/01/2025" is typed as a date but is not one (expected YYYY-MM-DD)',
        ],
      },
      {
        sourceRow: 3,
        cells: ['2025-01-31T25:00:00'],
        problems: ['cell A3: "2025-01-31T25:00:00" is typed as a date but is not one (expected YYYY-MM-DD)'],
      },
    ]);
  });

  test('text after the value inside the cell is part of it', async () => {
    expect((await read('<row r="1"><c r="A1" t="str">\n  <v>Gold</v>\n  </c></row>'))[0]?.cells).toEqual(['Gold\n  ']);
  });

  test('a repeated reference: the later value wins, and a later style applies to the earlier value', async () => {
    const rows = await read('<row r="1"><c r="A1"><v>45000</v></c><c r="A1" s="1"/><c r="B1"><v>1</v></c><c r="B1"><v>2</v></c></row>', {
      numFmts: ['yyyy-mm-dd'],
    });
    expect(rows[0]?.cells).toEqual([{ kind: 'date', iso: '2023-03-15' }, 2]);
  });

  test('a date format through exceljs rounds the time of day to the millisecond first', async () => {
    // 1.4996 s and 2.4996 s after midnight: to the millisecond 1.500 s and 2.500 s, then to the second.
    const rows = await read('<row r="1"><c r="A1" s="1"><v>45678.000017356484</v></c><c r="B1" s="1"><v>45678.99999999</v></c></row>', {
      numFmts: ['yyyy-mm-dd hh:mm:ss'],
    });
    expect(rows[0]?.cells).toEqual([{ kind: 'date', iso: '2025-01-21', time: '00:00:02' }, { kind: 'date', iso: '2025-01-22' }]);
  });

  test('shared rich text joins its runs, leaves out phonetic guides, and keeps the text between runs of a run', async () => {
    const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    const sharedStrings =
      `<sst xmlns="${ns}"><si><r><t>Gold </t></r><r><rPr><b/></rPr><t>10-Pack</t></r></si>` +
      `<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si><si>\n  <t> padded </t>\n</si><si/></sst>`;
    const rows = await read('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>9</v></c></row>', { sharedStrings });
    expect(rows[0]?.cells).toEqual(['Gold 10-Pack', '東京', ' padded \n']);
  });
});

describe('references and styles a file can get wrong', () => {
  test.each([
    ['a reference in small letters', '<row r="1"><c r="b1"><v>1</v></c></row>'],
    ['a column beyond XFD', '<row r="1"><c r="XFE1"><v>1</v></c></row>'],
    ['a cell after XFD without a reference', '<row r="1"><c r="XFD1"><v>1</v></c><c><v>2</v></c></row>'],
  ])('%s is refused as a damaged workbook', async (_, sheet) => {
    const error = await refusal(read(sheet));
    expect(error.code).toBe('FILE_CORRUPT');
  });

  test('style 0 is no style at all, whatever the workbook says it is', async () => {
    expect((await read('<row r="1"><c r="A1" s="0"><v>45000</v></c></row>'))[0]?.cells).toEqual([45000]);
  });

  test('a styled cell in a workbook whose styles list no cell styles is refused', async () => {
    const path = join(dir, 'no-xfs.xlsx');
    const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    writeZip(path, {
      '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
      '_rels/.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      'xl/workbook.xml': `<workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>`,
      'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/worksheet" Target="s.xml"/><Relationship Id="r2" Type="${rel}/styles" Target="st.xml"/></Relationships>`,
      'xl/s.xml': `<worksheet xmlns="${ns}"><sheetData><row r="1"><c r="A1" s="1"><v>1</v></c></row></sheetData></worksheet>`,
      'xl/st.xml': `<styleSheet xmlns="${ns}"><fonts><font/></fonts></styleSheet>`,
    });
    const error = await refusal((async () => {
      for await (const _ of readRawRows(path)) {
        // reading
      }
    })());
    expect(error.code).toBe('FILE_CORRUPT');
  });
});

describe('the workbook part', () => {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  function workbookNaming(sheetName: string): string {
    const path = join(dir, `w${n++}.xlsx`);
    writeZip(path, {
      '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
      '_rels/.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      'xl/workbook.xml': `<workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="${sheetName}" sheetId="1" r:id="r1"/></sheets></workbook>`,
      'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/worksheet" Target="s.xml"/></Relationships>`,
      'xl/s.xml': `<worksheet xmlns="${ns}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`,
    });
    return path;
  }

  test('a sheet name is read with its entities decoded, and found by it', async () => {
    const rows: SourceRow[] = [];
    for await (const row of readRawRows(workbookNaming('R&amp;D &#x263A; &#9731;'), { sheet: 'R&D ☺ ☃' })) rows.push(row);
    expect(rows[0]?.cells).toEqual(['x']);
  });

  test.each([
    ['beyond the last character', '&#x110000;'],
    ['that XML does not allow', '&#1;'],
    ['undefined', '&nbsp;'],
  ])('a character entity %s in a sheet name is refused as a damaged workbook, naming the file', async (_, entity) => {
    const path = workbookNaming(`Data ${entity}`);
    const error = await refusal((async () => {
      for await (const _row of readRawRows(path)) {
        // reading
      }
    })());
    expect(error.code).toBe('FILE_CORRUPT');
    expect(error.message).toMatch(/^w\d+\.xlsx cannot be read as an Excel workbook: (malformed character entity|undefined entity)$/);
  });
});

test('rows read the same whatever the chunks the XML comes in', () => {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  let data = '';
  for (let r = 1; r <= 200; r++) {
    data += `<x:row r="${r}"><x:c r="A${r}" t="inlineStr"><x:is><x:t>n&amp;${r}</x:t></x:is></x:c><x:c r="B${r}" s="1"><x:v>${45000 + r}</x:v></x:c>` +
      `<x:c t="str"><x:f>A1</x:f><x:v>v${r}</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c></x:row>`;
  }
  const xml = `<?xml version="1.0"?><x:worksheet xmlns:x="${ns}"><x:sheetData>${data}</x:sheetData></x:worksheet>`;
  const styles = new CellStyles();
  new XmlScanner(styles).push(`<styleSheet xmlns="${ns}"><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>`, true);
  const readIn = (size: number): SourceRow[] => {
    const sheet = new SheetRows(undefined, styles, false);
    const scanner = new XmlScanner(sheet);
    const rows: SourceRow[] = [];
    for (let i = 0; i < xml.length; i += size) {
      scanner.push(xml.slice(i, i + size), false);
      rows.push(...sheet.take());
    }
    scanner.push('', true);
    return [...rows, ...sheet.take()];
  };
  const whole = readIn(xml.length);
  expect(whole).toHaveLength(200);
  expect(whole[199]).toEqual({ sourceRow: 200, cells: ['n&200', { kind: 'date', iso: '2023-10-01' }, 'v200', true] });
  for (const size of [1, 7, 100, 4096]) expect(readIn(size), `chunks of ${size}`).toEqual(whole);
});
