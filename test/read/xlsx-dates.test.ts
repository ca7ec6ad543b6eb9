// Dates in workbooks as other writers save them, read through to the records and the results sheet:
// ISO 8601 text in cells typed "d", and serial numbers of a workbook in the 1904 date system.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { openZip } from '../../src/read/zip.js';
import { rawRows, recordItems } from '../helpers/records.js';
import { writeXlsx, writeZip } from './helpers/xlsx-package.js';

const CORPUS_1904 = '/work/shared/corpus/xlsx/date_1904.xlsx';
const dir = mkdtempSync(join(tmpdir(), 'cp-xlsx-dates-'));
let n = 0;

const text = (ref: string, value: string) => `<c r="${ref}" t="inlineStr"><is><t>${value}</t></is></c>`;
const HEADER = `<row r="1">${text('A1', 'Email')}${text('B1', 'Package')}${text('C1', 'Start Date')}${text('D1', 'End Date')}</row>`;

function dataRow(r: number, start: string, end = ''): string {
  return `<row r="${r}">${text(`A${r}`, `u${r}@example.com`)}${text(`B${r}`, 'Gold')}${start}${end}</row>`;
}

const items = recordItems;

describe('cells typed "d" (Strict OOXML, SheetJS cellDates, openpyxl iso_dates)', () => {
  test('are read as the calendar date written, and the results sheet has them as date cells', async () => {
    const path = join(dir, `typed-d-${n++}.xlsx`);
    writeXlsx(path, {
      numFmts: ['yyyy-mm-dd'],
      sheet:
        HEADER +
        dataRow(2, '<c r="C2" s="1" t="d"><v>2025-01-31T00:00:00</v></c>', '<c r="D2" s="1" t="d"><v>2025-12-31T23:59:59Z</v></c>') +
        dataRow(3, '<c r="C3" t="d"><v>2025-03-01</v></c>'),
    });
    const read = await items(path);
    expect(read.map((item) => item.record)).toEqual([
      { sourceRow: 2, clientEmail: 'u2@example.com', packageName: 'Gold', validFrom: '2025-01-31', validUntil: '2025-12-31' },
      { sourceRow: 3, clientEmail: 'u3@example.com', packageName: 'Gold', validFrom: '2025-03-01' },
    ]);

    const out = join(dir, `typed-d-${n++}.results.xlsx`);
    const result = await validateFile({ file: path, out });
    expect(result.summary.counts.valid).toBe(2);
    const results = await rawRows(out);
    expect(results[1]?.cells.slice(2, 5)).toEqual([
      { kind: 'date', iso: '2025-01-31' },
      { kind: 'date', iso: '2025-12-31', time: '23:59:59' },
      'valid',
    ]);
    expect(results[2]?.cells[2]).toEqual({ kind: 'date', iso: '2025-03-01' });
  });

  test('one that holds no date makes its row invalid, naming the cell and the value; a time alone is no date', async () => {
    const path = join(dir, `typed-d-${n++}.xlsx`);
    writeXlsx(path, {
      sheet:
        HEADER +
        dataRow(2, '<c r="C2" t="d"><v>2025-02-30T00:00:00</v></c>') +
        dataRow(3, '<c r="C3" t="d"><v>10:30:00</v></c>') +
        dataRow(4, '<c r="C4" t="d"><v>2025-01-31</v></c>', '<c r="D4" t="d"><v>soon</v></c>'),
    });
    const read = await items(path);
    expect(read.map((item) => item.outcome?.status)).toEqual(['invalid', 'invalid', 'invalid']);
    expect(read[0]?.outcome?.message).toContain('cell C2: "2025-02-30T00:00:00" is typed as a date but is not one');
    expect(read[1]?.outcome?.message).toBe('Start Date: "10:30:00" is a time of day with no date (write the date as YYYY-MM-DD, e.g. 2025-01-31)');
    expect(read[2]?.outcome?.message).toContain('cell D4: "soon" is typed as a date but is not one');
  });
});

/** The corpus's 1904 workbook (LibreOffice, `date1904="true"`), its sheet replaced by `sheetData`. */
async function from1904Corpus(sheetData: string): Promise<string> {
  const zip = await openZip(CORPUS_1904, statSync(CORPUS_1904).size);
  const files: Record<string, string> = {};
  for (const entry of zip.entries.values()) files[entry.name] = await zip.readText(entry);
  const sheet = files['xl/worksheets/sheet1.xml'] ?? '';
  files['xl/worksheets/sheet1.xml'] = sheet.replace(/<sheetData>[\s\S]*<\/sheetData>/, `<sheetData>${sheetData}</sheetData>`);
  const path = join(dir, `w1904-${n++}.xlsx`);
  writeZip(path, files);
  return path;
}

describe('a workbook in the 1904 date system', () => {
  test('a plain number in a date column counts days from 1904, as a date-formatted cell does', async () => {
    // In the corpus workbook style 1 shows yyyy-mm-dd and style 2 is General; 42735 is 2021-01-01 there.
    const path = await from1904Corpus(
      HEADER +
        dataRow(2, '<c r="C2" s="1" t="n"><v>42735</v></c>', '<c r="D2" s="2" t="n"><v>42736</v></c>') +
        dataRow(3, '<c r="C3" s="2" t="n"><v>43100</v></c>', `<c r="D3" t="inlineStr"><is><t>43464</t></is></c>`),
    );
    const read = await items(path);
    expect(read.map((item) => item.outcome?.message)).toEqual([undefined, undefined]);
    expect(read.map((item) => [item.record?.validFrom, item.record?.validUntil])).toEqual([
      ['2021-01-01', '2021-01-02'],
      ['2022-01-01', '2022-12-31'],
    ]);
  });
});

describe("East Asian Excel's own date formats (built-in ids 27–31, 36, 50–58)", () => {
  test('show a date, so their cells are read and written back as dates, in any column', async () => {
    const path = join(dir, `east-asian-${n++}.xlsx`);
    // Style 1 is built-in 57 (a Japanese era date), style 2 built-in 31 (年月日), style 3 built-in 32 (a time).
    writeXlsx(path, {
      builtInFormats: [57, 31, 32],
      sheet:
        `<row r="1">${text('A1', 'Email')}${text('B1', 'Package')}${text('C1', 'Start Date')}${text('D1', 'Joined')}${text('E1', 'Opens')}</row>` +
        `<row r="2">${text('A2', 'u2@example.com')}${text('B2', 'Gold')}<c r="C2" s="1"><v>45689</v></c><c r="D2" s="2"><v>45000</v></c><c r="E2" s="3"><v>0.375</v></c></row>`,
    });
    expect((await items(path)).map((item) => item.record?.validFrom)).toEqual(['2025-02-01']);
    const out = join(dir, `east-asian-${n++}.results.xlsx`);
    await validateFile({ file: path, out });
    expect((await rawRows(out))[1]?.cells.slice(2, 6)).toEqual([{ kind: 'date', iso: '2025-02-01' }, { kind: 'date', iso: '2023-03-15' }, 0.375, 'valid']);
  });
});
