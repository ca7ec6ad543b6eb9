import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FIELDS } from '../../src/pipeline/types.js';
import { parseColumnMaps } from '../../src/read/headers.js';
import { openSheet } from '../../src/read/index.js';
import { refusal } from './helpers/refusal.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-headers-'));
let n = 0;
function csv(content: string): string {
  const path = join(dir, `h${n++}.csv`);
  writeFileSync(path, content);
  return path;
}

async function columnsOf(content: string, map?: string[]) {
  const sheet = await openSheet(csv(content), map ? { map } : {});
  await sheet.close();
  return sheet.columns;
}

function refusedHeader(content: string, map?: string[]): Promise<{ code: string; message: string }> {
  return refusal(openSheet(csv(content), map ? { map } : {}));
}

describe('header aliases', () => {
  test.each([
    ['Email', 'client_email'],
    ['E-mail', 'client_email'],
    ['  CLIENT  email ', 'client_email'],
    ['Customer Email', 'client_email'],
    ['client_email', 'client_email'],
    ['Client ID', 'client_id'],
    ['Client UID', 'client_id'],
    ['Package', 'package_name'],
    ['Package Name', 'package_name'],
    ['Membership', 'package_name'],
    ['Plan', 'package_name'],
    ['Package ID', 'package_id'],
    ['Start', 'valid_from'],
    ['Start Date', 'valid_from'],
    ['Valid From', 'valid_from'],
    ['valid_from', 'valid_from'],
    ['End', 'valid_until'],
    ['End Date', 'valid_until'],
    ['Expires', 'valid_until'],
    ['Valid Until', 'valid_until'],
    ['Price', 'price'],
    ['Amount', 'price'],
    ['Conversation', 'conversation_id'],
    ['Matter', 'conversation_id'],
    ['Conversation ID', 'conversation_id'],
  ])('%j is %s', async (header, field) => {
    // The other required fields, unless the header under test provides them.
    const others = [
      field.startsWith('client_') ? undefined : 'Client ID',
      field.startsWith('package_') ? undefined : 'Package ID',
      field === 'valid_from' ? undefined : 'Valid From',
    ].filter((h) => h !== undefined);
    const fields = (await columnsOf(`${[header, ...others].join(',')}\nx\n`)).fields;
    expect(fields[field as keyof typeof fields]).toBe(0);
  });

  test('unknown columns are kept in the header list and left alone', async () => {
    const columns = await columnsOf('Notes,Email,Region,Package,Start\n');
    expect(columns.headers).toEqual(['Notes', 'Email', 'Region', 'Package', 'Start']);
    expect(columns.fields).toEqual({ client_email: 1, package_name: 3, valid_from: 4 });
  });

  test('the header may sit below title rows, and a lone matching word in a title does not win', async () => {
    const columns = await columnsOf('Membership renewals\nEmail\nExported 2025-03-01\n\nEmail,Plan,Start Date\n');
    expect(columns.headerRow).toBe(5);
  });
});

describe('--map', () => {
  test('names a column the aliases do not know; header text compares loosely', async () => {
    const columns = await columnsOf('Adresse e-mail,Forfait,Début\n', ['adresse E-MAIL=client_email', 'Forfait=package_name', 'Début=valid from']);
    expect(columns.fields).toEqual({ client_email: 0, package_name: 1, valid_from: 2 });
  });

  test('wins over an alias for the same field, which is then an ordinary column', async () => {
    const columns = await columnsOf('Email,Billing Email,Package,Start\n', ['Billing Email=client_email']);
    expect(columns.fields.client_email).toBe(1);
  });

  test.each([
    [['Email'], '--map "Email" is not of the form "Header Text=field"'],
    [['=client_email'], 'is not of the form'],
    [['Email=mail'], '"mail" is not a field. The fields are: ' + FIELDS.join(', ')],
    [['A=price', 'A=valid_from'], 'gives the column "A" two fields'],
    [['A=price', 'B=price'], 'gives price two columns'],
  ])('%j is a usage error', (map, words) => {
    expect(() => parseColumnMaps(map)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(words) }));
  });

  test('a mapped column missing from the header is reported', async () => {
    const error = await refusedHeader('Email,Package,Start\n', ['Cost=price']);
    expect(error.code).toBe('MISSING_FIELDS');
    expect(error.message).toContain('--map "Cost=price"');
    expect(error.message).toContain('"Email", "Package", "Start"');
  });
});

describe('header errors say what was found', () => {
  test('no recognisable header lists what the first rows hold', async () => {
    const error = await refusedHeader('Report,March\nfoo,bar,baz\n1,2,3\n');
    expect(error.code).toBe('NO_HEADER');
    expect(error.message).toContain('row 1: "Report", "March"');
    expect(error.message).toContain('row 2: "foo", "bar", "baz"');
  });

  test('missing required fields are listed with the headers found and a --map hint', async () => {
    const error = await refusedHeader('Email,Product,From\na@b.co,Gold,2025-01-01\n');
    expect(error.code).toBe('MISSING_FIELDS');
    expect(error.message).toContain('has "Email", "Product", "From"');
    expect(error.message).toContain('the package');
    expect(error.message).toContain('the start date');
    expect(error.message).toContain('--map "Product=package_name"');
  });

  test('a client needs an email or an id column', async () => {
    const error = await refusedHeader('Name,Package,Start\n');
    expect(error.message).toContain('the client: an "Email" or "Client ID" column');
  });

  test('two columns that both look like one field must be told apart', async () => {
    const error = await refusedHeader('Email,Package,Customer Email,Start\n');
    expect(error.code).toBe('DUPLICATE_COLUMNS');
    expect(error.message).toContain('"Email" (column A) and "Customer Email" (column C)');
  });

  test('two columns of one header are refused with advice that works: --map cannot tell them apart', async () => {
    for (const map of [undefined, ['Price=price']]) {
      const error = (await refusedHeader('Email,Package,Start,Price,Price\n', map)) as { code: string; message: string; advice: string };
      expect(error.code).toBe('DUPLICATE_COLUMNS');
      expect(error.message).toContain('two columns named "Price" (columns D and E) could both hold price, and --map cannot tell them apart');
      expect(error.message).toContain('Rename the one not to import');
      expect(error.advice).toBe('Rename one of the two columns in the sheet (or delete the one not to import), save, and run again.');
      expect(error.advice).not.toContain('--map');
    }
    const alike = await refusedHeader('Email,Package,Start,E-mail\n', ['E-mail=client_email']);
    expect(alike.message).toContain('two columns named alike, "Email" and "E-mail" (columns A and D)');
  });

  test('two different headers of one field can still be told apart with --map', async () => {
    const error = (await refusedHeader('Email,Package,Customer Email,Start\n')) as { code: string; message: string; advice: string };
    expect(error.advice).toContain('--map');
    expect((await columnsOf('Email,Package,Customer Email,Start\n', ['Customer Email=client_email'])).fields.client_email).toBe(2);
  });

  test('id and email columns together are fine', async () => {
    const columns = await columnsOf('Client ID,Email,Package ID,Package,Start\n');
    expect(columns.fields).toMatchObject({ client_id: 0, client_email: 1, package_id: 2, package_name: 3 });
  });
});

describe('a column that looks like a field no column provides stops the run', () => {
  test.each([
    ['Price (USD)', 'price', 'Price'],
    ['Custom price', 'price', 'Price'],
    ['Amount USD', 'price', 'Price'],
    ['End date (optional)', 'valid_until', 'End Date'],
    ['Contract end date', 'valid_until', 'End Date'],
    ['Valid until (incl.)', 'valid_until', 'End Date'],
    ['Expiry: dd/mm/yyyy', 'valid_until', 'End Date'],
    ['endDate_optional', 'valid_until', 'End Date'],
    ['Conversation ID (Slack)', 'conversation_id', 'Conversation ID'],
  ])('%j is taken for %s', async (header, field, plain) => {
    const error = await refusedHeader(`Email,Package,Start,${header}\na@b.co,Gold,2025-01-01,1\n`);
    expect(error.code).toBe('MISSING_FIELDS');
    expect(error.message).toMatch(/^In the header row of h\d+\.csv \(row 1\): /);
    expect(error.message.slice(error.message.indexOf(': ') + 2)).toBe(
      `The column "${header}" (column D) looks like ${field}, ` +
        `but no column is read as ${field}, so it would be ignored. Rename it "${plain}", or pass --map "${header}=${field}"; ` +
        'if it holds something else, give it another name.',
    );
  });

  test('--map names the column, and it is read', async () => {
    const columns = await columnsOf('Email,Package,Start,Price (USD),End date (optional)\n', ['Price (USD)=price', 'end date (optional)=valid_until']);
    expect(columns.fields).toEqual({ client_email: 0, package_name: 1, valid_from: 2, price: 3, valid_until: 4 });
  });

  test('a lookalike of a field another column provides is left alone', async () => {
    expect((await columnsOf('Email,Package,Start,Price,Price (USD)\n')).fields.price).toBe(3);
    expect((await columnsOf('Email,Package,Start,Cost,Price (USD)\n', ['Cost=price'])).fields.price).toBe(3);
    expect((await columnsOf('Client ID,Package ID,Start,Email (work),Package (old name)\n')).fields).toEqual({ client_id: 0, package_id: 1, valid_from: 2 });
  });

  test('headers that only mention a word of a field are ordinary columns', async () => {
    const headers = ['Notes', 'Price tier', 'Price list', 'Expiry notes', 'Discount amount', 'Tax amount', 'Starting balance', 'End user', 'Weekend', 'Member ID', 'Currency', 'Matter description', 'Spend date'];
    const columns = await columnsOf(`Email,Package,Start,${headers.join(',')}\n`);
    expect(columns.fields).toEqual({ client_email: 0, package_name: 1, valid_from: 2 });
  });

  test('a missing required field names its lookalike instead of guessing another column', async () => {
    const error = await refusedHeader('Email,Notes,Package,Start date (dd/mm/yyyy),Price (EUR)\n');
    expect(error.code).toBe('MISSING_FIELDS');
    expect(error.message).toContain('but nothing for the start date');
    expect(error.message).toContain('The column "Start date (dd/mm/yyyy)" (column D) looks like valid_from');
    expect(error.message).toContain('--map "Start date (dd/mm/yyyy)=valid_from"');
    expect(error.message).toContain('--map "Price (EUR)=price"');
    expect(error.message).not.toContain('--map "Notes=');
  });

  test('a missing client is looked for in the email-like columns', async () => {
    const error = await refusedHeader('Name,Package,Start,Work e-mail\n');
    expect(error.message).toContain('The column "Work e-mail" (column D) looks like client_email');
  });
});
