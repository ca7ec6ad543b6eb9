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
