import { describe, expect, test } from 'vitest';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { csvReader } from '../helpers/records.js';

const items = csvReader('cp-split-price-');

const SPLIT = 'looks like one price split at its thousands comma';

describe('an unquoted price with a thousands comma', () => {
  test('is refused when the columns after Price take the rest, with or without a trailing comma', async () => {
    const read = await items('Email,Package,Start,Price,Note\na@example.com,Gold,2025-01-01,$1,200.00\nb@example.com,Gold,2025-01-01,$1,200.00,\n');
    expect(read).toHaveLength(2);
    for (const item of read) {
      expect(item.record).toBeUndefined();
      expectOutcome(item.outcome, { status: 'invalid', messageIncludes: `Price: "$1" followed by "200.00" ${SPLIT}` });
      expect(item.outcome?.message).toContain('put it in quotes ("$1,200.00") or write it without the comma ($1200.00)');
    }
  });

  test('names the price column as the sheet writes it', async () => {
    const [item] = await items('Email,Package,Start,Amount\na@b.co,Gold,2025-01-01,1,200\n');
    expectOutcome(item?.outcome, { status: 'invalid', messageIncludes: `Amount: "1" followed by "200" ${SPLIT}` });
  });

  test('is refused when it moves the cells after it, the price told first and the count of cells not at all', async () => {
    const [item] = await items('Email,Package,Start,Price,End\na@b.co,Gold,2025-01-01,€2,450,000.50,2025-12-31\n');
    expectOutcome(item?.outcome, { status: 'invalid' });
    expect(item?.outcome?.message.startsWith(
      `Price: "€2" followed by "450", "000.50" ${SPLIT}; put it in quotes ("€2,450,000.50") or write it without the comma (€2450000.50). ` +
        'If the price is €2, write it with decimals (€2.00)',
    )).toBe(true);
    expect(item?.outcome?.message).not.toContain('cells but the header has');
  });

  test('as the last column, the price message replaces the count of cells', async () => {
    const [item] = await items('Email,Package,Start,Price\na@b.co,Gold,2025-01-01,1,200.50\n');
    expectOutcome(item?.outcome, { status: 'invalid', messageIncludes: `Price: "1" followed by "200.50" ${SPLIT}` });
    expect(item?.outcome?.message).not.toContain('cells but the header has');
  });

  test('a split price and another unquoted comma in the row: both are told', async () => {
    const [item] = await items('Email,Package,Start,Price,Note\na@b.co,Gold,2025-01-01,$1,200.00,hello,world\n');
    expect(item?.outcome?.message).toContain(SPLIT);
    expect(item?.outcome?.message).toContain('row has 7 cells but the header has 5: is there an unquoted comma, e.g. in a price?');
  });

  test('quoted, or written without the comma, it is read in full', async () => {
    const read = await items('Email,Package,Start,Price,Note\na@b.co,Gold,2025-01-01,"$1,200.00",\nb@b.co,Gold,2025-01-01,$1200.00,200\n');
    expect(read.map((item) => [item.record?.price, item.record?.priceCurrency])).toEqual([
      ['1200', 'USD'],
      ['1200', 'USD'],
    ]);
  });

  test('ordinary rows are not taken for a split price', async () => {
    const read = await items(
      [
        'Email,Package,Start,Price,Note',
        'a@b.co,Gold,2025-01-01,5,hello',
        'b@b.co,Gold,2025-01-01,5,',
        'c@b.co,Gold,2025-01-01,5',
        'd@b.co,Gold,2025-01-01,$5.00,200',
        'e@b.co,Gold,2025-01-01,1200,300',
        'f@b.co,Gold,2025-01-01,12,2000',
        'g@b.co,Gold,2025-01-01,,200',
      ].join('\n'),
    );
    expect(read.map((item) => item.outcome?.message)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(read.map((item) => item.record?.price)).toEqual(['5', '5', '5', '5', '1200', '12', undefined]);
  });

  test('a row with more cells than the header is still refused as before', async () => {
    const [item] = await items('Email,Package,Start,Price,Note\na@b.co,Gold,2025-01-01,5,a,b\n');
    expectOutcome(item?.outcome, { status: 'invalid', messageIncludes: 'row has 6 cells but the header has 5: is there an unquoted comma, e.g. in a price?' });
  });

  test('a semicolon file, where the comma is no delimiter, is not checked for it', async () => {
    const [item] = await items('Email;Package;Start;Price;Note\na@b.co;Gold;2025-01-01;5;200\n');
    expect(item?.outcome).toBeUndefined();
    expect(item?.record?.price).toBe('5');
  });
});
