import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import type { AssignmentRecord, CellValue, RowOutcome } from '../../src/pipeline/types.js';
import { DAY_ORDER_LOOKAHEAD, identityKey, packageNameKey, readRecords, type ReadRecordsOptions, type RecordItem } from '../../src/validate/index.js';
import { recordItems } from '../helpers/records.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-records-'));
let n = 0;
function csv(lines: string[]): string {
  const path = join(dir, `r${n++}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const items = recordItems;

async function one(header: string, line: string, options: ReadRecordsOptions = {}): Promise<RecordItem> {
  const [item] = await items(csv([header, line]), options);
  if (!item) throw new Error('no item');
  return item;
}

const HEADER = 'Email,Package,Start Date,End Date,Price,Matter';

function invalid(item: RecordItem): string {
  expect(item.outcome).toMatchObject({ status: 'invalid', code: 'INVALID', sourceRow: item.row.sourceRow });
  return item.outcome?.message ?? '';
}

describe('valid rows become records', () => {
  test('every field, read and normalised', async () => {
    const item = await one(HEADER, ' ann@example.com ,  Gold 10-Pack ,15 Jan 2025,2025-12-31,"$1,200.50", m-1 ');
    expect(item.outcome).toBeUndefined();
    expect(item.record).toEqual({
      sourceRow: 2,
      clientEmail: 'ann@example.com',
      packageName: 'Gold 10-Pack',
      validFrom: '2025-01-15',
      validUntil: '2025-12-31',
      price: '1200.5',
      priceCurrency: 'USD',
      conversationId: 'm-1',
    });
    expect(item.row).toEqual({ sourceRow: 2, cells: [' ann@example.com ', '  Gold 10-Pack ', '15 Jan 2025', '2025-12-31', '$1,200.50', ' m-1 '] });
  });

  test('only what the row has: an empty price means the package price', async () => {
    const item = await one(HEADER, 'ann@example.com,Gold,2025-01-15,,,');
    expect(item.record).toEqual({ sourceRow: 2, clientEmail: 'ann@example.com', packageName: 'Gold', validFrom: '2025-01-15' });
  });

  test('an id wins over an email, even a broken one; a package id over a name', async () => {
    const item = await one('Client ID,Email,Package ID,Package,Start', 'cl_9,not-an-email,pk_3,Gold,2025-01-15');
    expect(item.record).toEqual({ sourceRow: 2, clientId: 'cl_9', packageId: 'pk_3', validFrom: '2025-01-15' });
  });

  test('a readable email beside a client id is kept, for the import to check that the two name one client', async () => {
    const item = await one('Client ID,Email,Package,Start', 'cl_9, Jane@X.com ,Gold,2025-01-15');
    expect(item.record).toEqual({ sourceRow: 2, clientId: 'cl_9', clientEmail: 'Jane@X.com', packageName: 'Gold', validFrom: '2025-01-15' });
  });

  test('the same end and start date is fine', async () => {
    expect((await one(HEADER, 'a@b.co,Gold,2025-01-15,2025-01-15,,')).record?.validUntil).toBe('2025-01-15');
  });
});

describe('invalid rows say which column and which value', () => {
  test('the example from the brief, with the sheet header as written', async () => {
    expect(invalid(await one('client_email,package_name,valid_from', 'a@b.co,Gold,31/02/2025'))).toBe(
      'valid_from: "31/02/2025" is not a real date',
    );
  });

  test('every problem of a row, joined', async () => {
    const message = invalid(await one(HEADER, 'ann@example,Gold,2025-02-30,soon,-5,m 1'));
    expect(message).toBe(
      [
        'Email: "ann@example" is not an email address',
        'Start Date: "2025-02-30" is not a real date',
        'End Date: "soon" is not a date (write it as YYYY-MM-DD, e.g. 2025-01-31)',
        'Price: "-5" is negative: a price cannot be below zero',
        'Matter: "m 1" has a space in it; an id has none',
      ].join('; '),
    );
  });

  test('required fields', async () => {
    expect(invalid(await one(HEADER, ',,,,,m-1'))).toBe(
      'Email: empty; each row needs a client email or client ID; Package: empty; each row needs a package name or package ID; Start Date: empty; each row needs a start date',
    );
    expect(invalid(await one('Client ID,Package ID,Start', ',pk,2025-01-01'))).toBe('Client ID: empty; each row needs a client email or client ID');
  });

  test('an end before the start', async () => {
    expect(invalid(await one(HEADER, 'a@b.co,Gold,2025-03-01,2025-02-01,,'))).toBe('End Date: "2025-02-01" is before the start date "2025-03-01"');
    expect(invalid(await one(HEADER, 'a@b.co,Gold,1 Mar 2025,45689,,'))).toBe(
      'End Date: "45689" (2025-02-01) is before the start date "1 Mar 2025" (2025-03-01)',
    );
  });

  test("the reader's problems come first", async () => {
    const [item] = await items(csv(['Email,Package,Start,Price', 'a@b.co,Gold,2025-01-01,5,x']));
    expect(invalid(item as RecordItem)).toBe('row has 5 cells but the header has 4: is there an unquoted comma, e.g. in a price?');
  });

  test('spreadsheet error values name the error', async () => {
    const path = join(dir, 'errors.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('S');
    ws.addRow(['Email', 'Package', 'Start Date', 'Price']);
    ws.addRow(['a@b.co', 'Gold', { error: '#N/A' }, { formula: '1/0', result: { error: '#DIV/0!' } }]);
    await wb.xlsx.writeFile(path);
    const [item] = await items(path);
    expect(invalid(item as RecordItem)).toBe('Start Date: the cell shows the error #N/A; Price: the cell shows the error #DIV/0!');
  });
});

describe('XLSX cells', () => {
  test('date cells, serial numbers and number prices', async () => {
    const path = join(dir, 'cells.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('S');
    ws.addRow(['Title row']);
    ws.addRow(['Client ID', 'Plan', 'Valid From', 'Valid Until', 'Amount']);
    ws.addRow([12345, 'Gold', new Date(Date.UTC(2025, 0, 15)), 46022, 0.1 + 0.2]);
    ws.getCell('C3').numFmt = 'dd/mm/yyyy';
    await wb.xlsx.writeFile(path);
    const stream = await readRecords(path);
    expect(stream.format).toBe('xlsx');
    expect(stream.sheetName).toBe('S');
    expect(stream.columns.headerRow).toBe(2);
    const got = [];
    for await (const item of stream.items) got.push(item);
    await stream.close();
    await stream.close();
    expect(got.map((i) => i.record)).toEqual([
      { sourceRow: 3, clientId: '12345', packageName: 'Gold', validFrom: '2025-01-15', validUntil: '2025-12-31', price: '0.3' },
    ]);
  });
});

describe('day/month order is inferred from the file, never guessed', () => {
  const rows = (dates: string[]) => csv([HEADER, ...dates.map((d, i) => `c${i}@b.co,Gold,${d},,,`)]);
  const isoOf = (list: RecordItem[]) => list.map((i) => i.record?.validFrom ?? i.outcome?.message);

  test('day-first evidence reads ambiguous dates day-first, including rows before the evidence', async () => {
    expect(isoOf(await items(rows(['03/04/2025', '25/01/2025', '05/06/2025'])))).toEqual(['2025-04-03', '2025-01-25', '2025-06-05']);
  });

  test('month-first evidence reads them month-first', async () => {
    expect(isoOf(await items(rows(['03/04/2025', '01/25/2025'])))).toEqual(['2025-03-04', '2025-01-25']);
  });

  test('evidence both ways, or none, leaves ambiguous dates invalid with a --date-format hint', async () => {
    const both = await items(rows(['03/04/2025', '25/01/2025', '01/25/2025']));
    expect(both[0]?.outcome?.message).toContain('pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY');
    expect(both[1]?.record?.validFrom).toBe('2025-01-25');
    expect(both[2]?.record?.validFrom).toBe('2025-01-25');
    expect((await items(rows(['03/04/2025'])))[0]?.outcome?.status).toBe('invalid');
  });

  test('--date-format overrides the evidence', async () => {
    expect(isoOf(await items(rows(['03/04/2025', '25/01/2025']), { dateFormat: 'MM/DD/YYYY' }))).toEqual([
      '2025-03-04',
      'Start Date: "25/01/2025" is not a real date: --date-format MM/DD/YYYY reads 25 as the month',
    ]);
  });

  test('a file short enough to be looked at whole says that no other date in it settles the order', async () => {
    const [item] = await items(rows(['03/04/2025', '04/03/2025']));
    expect(item?.outcome?.message).toBe(
      'Start Date: "03/04/2025" could be 2025-04-03 or 2025-03-04, and no other date in the file settles which; pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY',
    );
  });

  test('evidence is looked for in the first rows only, so a --limit run reads like the full one', async () => {
    const dates = [...Array.from({ length: DAY_ORDER_LOOKAHEAD }, () => '03/04/2025'), '25/01/2025'];
    const all = await items(rows(dates));
    expect(all[0]?.outcome?.status).toBe('invalid');
    expect(all.at(-1)?.record?.validFrom).toBe('2025-01-25');
    expect(all[0]?.outcome?.message).toBe(
      'Start Date: "03/04/2025" could be 2025-04-03 or 2025-03-04, and no date in the first 1,000 rows settles which; pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY',
    );
    const early = await items(rows(['03/04/2025', ...dates.slice(2)].concat('25/01/2025')), { limit: 1 });
    expect(early).toHaveLength(1);
    expect(early[0]?.record?.validFrom).toBe('2025-04-03');
  });
});

describe('duplicates within a file', () => {
  test('the later row is a duplicate of the first, whatever the case and spacing', async () => {
    const list = await items(
      csv([HEADER, 'ann@example.com,Gold 10-Pack,2025-01-15,,,', 'x@y.co,Silver,2025-01-15,,,', ' ANN@example.com ,gold  10-pack ,15/01/2025,,99,', 'ann@example.com,Gold 10-Pack,2025-01-16,,,']),
    );
    expect(list.map((i) => i.outcome?.status ?? 'record')).toEqual(['record', 'record', 'duplicate', 'record']);
    expect(list[2]?.outcome).toEqual<RowOutcome>({ sourceRow: 4, status: 'duplicate', code: 'DUPLICATE', message: 'same client, package and valid_from as row 2' });
  });

  test('names that differ in more than case and spacing are different packages, not duplicates', async () => {
    const list = await items(
      csv([
        HEADER,
        'ann@example.com,Premium,2025-01-15,,,',
        'ann@example.com,Premium+,2025-01-15,,,',
        'ann@example.com,Yoga C,2025-01-15,,,',
        'ann@example.com,Yoga C++,2025-01-15,,,',
        'ann@example.com,$50 Voucher,2025-01-15,,,',
        'ann@example.com,€50 Voucher,2025-01-15,,,',
        'ann@example.com,Gold10,2025-01-15,,,',
        'ann@example.com,Gold 10,2025-01-15,,,',
        'ann@example.com,PREMIUM +,2025-01-15,,,',
        'ann@example.com,premium\u00a0 +,2025-01-15,,,',
      ]),
    );
    expect(list.map((i) => i.outcome?.status ?? 'record')).toEqual(['record', 'record', 'record', 'record', 'record', 'record', 'record', 'record', 'record', 'duplicate']);
    expect(list[9]?.outcome?.message).toBe('same client, package and valid_from as row 10');
  });

  test('an email is the same client however Unicode spells its accents', async () => {
    const list = await items(csv([HEADER, 'jos\u00e9@example.com,Gold,2025-01-15,,,', 'JOSE\u0301@example.com,Gold,2025-01-15,,,']));
    expect(list.map((i) => i.outcome?.status ?? 'record')).toEqual(['record', 'duplicate']);
  });

  test('invalid rows are not counted, and ids and emails are different clients', async () => {
    const list = await items(csv(['Client ID,Email,Package,Start', ',a@b.co,Gold,2025-02-30', ',a@b.co,Gold,2025-01-01', 'a@b.co,,Gold,2025-01-01', ',a@b.co,Gold,2025-01-01']));
    expect(list.map((i) => i.outcome?.status ?? 'record')).toEqual(['invalid', 'record', 'record', 'duplicate']);
    expect(list[3]?.outcome?.message).toBe('same client, package and valid_from as row 3');
  });

  test('a hundred thousand distinct rows have no false duplicates', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 100_000; i++) lines.push(`u${i}@example.com,Gold,2025-01-${String(1 + (i % 28)).padStart(2, '0')},,,`);
    lines.push('u99999@example.com,Gold,2025-01-12,,,');
    const list = await items(csv(lines));
    const dups = list.filter((i) => i.outcome?.status === 'duplicate');
    expect(dups.map((i) => i.outcome?.message)).toEqual(['same client, package and valid_from as row 100001']);
  });
});

describe('options', () => {
  test('--limit yields the first N data rows only', async () => {
    const path = csv([HEADER, 'a@b.co,Gold,2025-01-01,,,', '', 'b@b.co,Gold,2025-01-01,,,', 'c@b.co,Gold,2025-01-01,,,']);
    expect((await items(path, { limit: 2 })).map((i) => i.row.sourceRow)).toEqual([2, 4]);
    expect(await items(path, { limit: 0 })).toEqual([]);
    expect(await items(path, { limit: 10, dateFormat: 'YYYY-MM-DD' })).toHaveLength(3);
  });

  test('bad option values are usage errors before anything is read', async () => {
    await expect(readRecords(join(dir, 'missing.csv'), { dateFormat: 'DD.MM.YYYY' as never })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(readRecords(join(dir, 'missing.csv'), { limit: -1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(readRecords(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('identity keys', () => {
  const base: AssignmentRecord = { sourceRow: 1, clientEmail: 'Ann@Example.com', packageName: '  Gold  10-Pack ', validFrom: '2025-01-15' };

  test('normalised client ref | package ref | valid_from', () => {
    expect(identityKey(base)).toBe('email:ann@example.com|name:gold 10-pack|2025-01-15');
    expect(identityKey({ ...base, clientEmail: undefined, clientId: 'cl_1', packageName: undefined, packageId: 'pk|2' })).toBe('id:cl_1|id:pk\\|2|2025-01-15');
    expect(identityKey({ ...base, packageName: 'A|B' })).not.toBe(identityKey({ ...base, packageName: 'A', validFrom: 'B|2025-01-15' }));
  });

  test('package name keys ignore case and spacing, nothing else', () => {
    expect(packageNameKey('  Gold  10-Pack ')).toBe('gold 10-pack');
    expect(packageNameKey('GOLD 10-PACK')).toBe('gold 10-pack');
    expect(packageNameKey('\tGold\u00a0 10-Pack\u2009')).toBe('gold 10-pack');
    expect(packageNameKey('Crème  Brûlée')).toBe('crème brûlée');
    expect(packageNameKey('Cre\u0300me Bru\u0302le\u0301e')).toBe('crème brûlée');
    for (const [a, b] of [
      ['Premium', 'Premium+'],
      ['Yoga C', 'Yoga C++'],
      ['$50 Voucher', '€50 Voucher'],
      ['Gold 10 Pack', 'Gold 10-Pack'],
      ['Gold10', 'Gold 10'],
      ['Gold', 'Ｇｏｌｄ'],
      ['Plan 2', 'Plan ²'],
    ] as const) {
      expect(packageNameKey(a)).not.toBe(packageNameKey(b));
    }
  });
});

export type { CellValue };
