import { describe, expect, test } from 'vitest';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { csvReader } from '../helpers/records.js';

const read = csvReader('cp-price-rows-');
const items = (lines: string[]) => read(`${lines.join('\n')}\n`);

describe('a price is sent as written or the row is refused, never changed', () => {
  test('a dot before three digits is ambiguous; the same file with both marks reads as written', async () => {
    const read = await items(['Email;Package;Start;Amount', 'a@b.co;Gold;2025-01-01;1.200 €', 'b@b.co;Gold;2025-01-01;2.450,00 €']);
    expectOutcome(read[0]?.outcome, {
      status: 'invalid',
      messageIncludes: 'Amount: "1.200 €" is ambiguous: it could be 1.2 or 1200. Write 1200 (no dot) if the dot groups thousands, or 1.20 if it is a decimal point',
    });
    expect(read[1]?.record).toMatchObject({ price: '2450', priceCurrency: 'EUR' });
  });

  test('in a file whose prices use a decimal comma, a comma before three digits is as ambiguous as a dot', async () => {
    const read = await items(['Email;Package;Start;Price', 'a@b.co;Gold;2025-01-01;12,50', 'b@b.co;Gold;2025-01-01;1,234', 'c@b.co;Gold;2025-01-01;1.234', 'd@b.co;Gold;2025-01-01;1.234,50']);
    expect(read[0]?.record?.price).toBe('12.5');
    expectOutcome(read[1]?.outcome, {
      status: 'invalid',
      messageIncludes:
        'Price: "1,234" is ambiguous: it could be 1.234 or 1234, and other prices in the file are written with a decimal comma. ' +
        'Write 1234 (no comma) if the comma groups thousands, or 1,2340 if it is a decimal comma',
    });
    expectOutcome(read[2]?.outcome, { status: 'invalid', messageIncludes: 'Price: "1.234" is ambiguous' });
    expect(read[3]?.record?.price).toBe('1234.5');
  });

  test('so it is in a comma file whose quoted prices use one, and in any semicolon file', async () => {
    const quoted = await items(['Email,Package,Start,Price', 'a@b.co,Gold,2025-01-01,"1,200"', 'b@b.co,Gold,2025-01-01,"€ 9,90"']);
    expectOutcome(quoted[0]?.outcome, { status: 'invalid', messageIncludes: 'Price: "1,200" is ambiguous: it could be 1.2 or 1200' });
    expect(quoted[1]?.record).toMatchObject({ price: '9.9', priceCurrency: 'EUR' });
    const [semicolons] = await items(['Email;Package;Start;Price', 'a@b.co;Gold;2025-01-01;$1,000']);
    expectOutcome(semicolons?.outcome, {
      status: 'invalid',
      messageIncludes:
        'Price: "$1,000" is ambiguous: it could be 1 or 1000, and the file is separated by semicolons, as where the comma is the decimal mark. ' +
        'Write 1000 (no comma) if the comma groups thousands, or 1,00 if it is a decimal comma',
    });
  });

  test('the unambiguous forms still read', async () => {
    const read = await items([
      'Email,Package,Start,Price',
      'a@b.co,Gold,2025-01-01,"1,200"',
      'b@b.co,Gold,2025-01-01,"1,200.50"',
      'c@b.co,Gold,2025-01-01,1.20',
      'd@b.co,Gold,2025-01-01,0.500',
    ]);
    expect(read.map((item) => item.record?.price)).toEqual(['1200', '1200.5', '1.2', '0.5']);
  });

  test('more significant digits than a JSON number carries exactly are refused', async () => {
    const [item] = await items(['Email,Package,Start,Price', 'a@b.co,Gold,2025-01-01,550309185322.0169']);
    expectOutcome(item?.outcome, {
      status: 'invalid',
      messageIncludes: 'Price: "550309185322.0169" has 16 significant digits; at most 15 can be sent exactly',
    });
  });

  test('15 significant digits are sent as they are', async () => {
    const [item] = await items(['Email,Package,Start,Price', 'a@b.co,Gold,2025-01-01,550309185322.016']);
    expect(item?.record?.price).toBe('550309185322.016');
    expect(String(Number(item?.record?.price))).toBe('550309185322.016');
  });

  test('more decimals than a price has are refused, not rounded', async () => {
    const read = await items(['Email,Package,Start,Price', 'a@b.co,Gold,2025-01-01,12.34567', 'b@b.co,Gold,2025-01-01,12.34560']);
    expectOutcome(read[0]?.outcome, { status: 'invalid', messageIncludes: 'Price: "12.34567" has 5 decimals; a price can have at most 4' });
    expect(read[1]?.record?.price).toBe('12.3456');
  });
});
