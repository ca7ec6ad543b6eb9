import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../src/sandbox/faults.js';
import { addMoney, canonicalDecimal, formatMoney, parsePrice, showsDecimalComma } from '../../src/validate/money.js';

describe('parsePrice reads what people type', () => {
  test.each([
    ['1200', '1200', undefined],
    ['1200.50', '1200.5', undefined],
    ['$1,200.50', '1200.5', 'USD'],
    ['1 200,50 €', '1200.5', 'EUR'],
    ['1\u00a0200,50\u00a0€', '1200.5', 'EUR'],
    ['EUR 45', '45', 'EUR'],
    ['45 eur', '45', 'EUR'],
    ['USD12.50', '12.5', 'USD'],
    ['£12', '12', 'GBP'],
    ['US$ 99.99', '99.99', 'USD'],
    ['12,50', '12.5', undefined],
    ['1,200', '1200', undefined],
    ['1,234,567.89', '1234567.89', undefined],
    ['1.234.567', '1234567', undefined],
    ['1.200,50', '1200.5', undefined],
    ["1'200.50", '1200.5', undefined],
    ['1 200,500', '1200.5', undefined],
    ['0,500', '0.5', undefined],
    [',5', '0.5', undefined],
    ['.5', '0.5', undefined],
    ['0', '0', undefined],
    ['0.00', '0', undefined],
    ['007', '7', undefined],
    ['+12', '12', undefined],
    ['12.34560', '12.3456', undefined],
    ['1,20,000', '120000', undefined],
    ['2.450,00 €', '2450', 'EUR'],
    ['1.200,50 €', '1200.5', 'EUR'],
    ['0.500', '0.5', undefined],
    ['.500', '0.5', undefined],
    ['1200.500', '1200.5', undefined],
    ['1 200.500', '1200.5', undefined],
    ['12.50', '12.5', undefined],
    ['1.2345', '1.2345', undefined],
    ['123456789012.123', '123456789012.123', undefined],
    ['12345678901.2345', '12345678901.2345', undefined],
    ['123456789012.1230', '123456789012.123', undefined],
  ])('%j → %s %s', (text, value, currency) => {
    const read = parsePrice(text);
    expect(read).toEqual(currency ? { ok: true, value, currency } : { ok: true, value });
  });

  test('empty means the package price', () => {
    expect(parsePrice('')).toEqual({ ok: true });
    expect(parsePrice('   ')).toEqual({ ok: true });
    expect(parsePrice(null)).toEqual({ ok: true });
  });

  test('number cells lose float artefacts, read at the 15 digits Excel shows', () => {
    expect(parsePrice(0.1 + 0.2)).toEqual({ ok: true, value: '0.3' });
    expect(parsePrice(1200.5)).toEqual({ ok: true, value: '1200.5' });
    expect(parsePrice(19.999999999999996)).toEqual({ ok: true, value: '20' });
    expect(parsePrice(12.3456)).toEqual({ ok: true, value: '12.3456' });
    expect(parsePrice(1e21)).toMatchObject({ ok: false, reason: expect.stringContaining('too large') });
  });

  test('number cells with more than 4 decimals are refused, not rounded', () => {
    expect(parsePrice(12.34565)).toEqual({
      ok: false,
      reason: '"12.34565" has 5 decimals; a price can have at most 4, and rounding would change it: round it in the sheet',
    });
    expect(parsePrice(1e-7)).toMatchObject({ ok: false, reason: expect.stringContaining('"0.0000001" has 7 decimals') });
    expect(parsePrice(100 / 3)).toMatchObject({ ok: false, reason: expect.stringContaining('"33.3333333333333" has 13 decimals') });
  });

  test.each([
    ['-12', 'negative'],
    ['-$12', 'negative'],
    ['$-12', 'negative'],
    ['12-', 'negative'],
    ['(12.00)', 'negative'],
    ['−12', 'negative'],
    ['free', 'is not a price'],
    ['N/A', 'is not a price'],
    ['12 dollars', 'is not a price'],
    ['12 constructor', 'is not a price'], // names on Object's prototype are no currency symbol
    ['12 toString', 'is not a price'],
    ['__proto__12', 'is not a price'],
    ['12.5.3', 'is not a price'],
    ['1,2,3', 'is not a price'],
    ['12a5', 'is not a price'],
    ['$12 EUR', 'two currencies'],
    ['¥1000', 'write the currency code'],
    ['1234567890123', 'too large'],
    ['12.34567', 'has 5 decimals; a price can have at most 4, and rounding would change it'],
    ['$12.34567', 'has 5 decimals'],
    ['12,34567', 'has 5 decimals'],
    ['0.00001', 'has 5 decimals'],
    ['550309185322.0169', 'has 16 significant digits; at most 15 can be sent exactly'],
    ['$550,309,185,322.0169', 'has 16 significant digits'],
    ['1.200', 'is ambiguous: it could be 1.2 or 1200'],
    ['12.500', 'is ambiguous: it could be 12.5 or 12500'],
    ['1.200 €', 'is ambiguous'],
    ['$999.999', 'is ambiguous'],
  ])('%j is refused (%s), naming the value', (text, why) => {
    const read = parsePrice(text);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.reason).toContain(why);
      expect(read.reason).toContain(`"${text}"`);
    }
  });

  test('an ambiguous dot says how to write the price either way', () => {
    expect(parsePrice('1.200')).toEqual({
      ok: false,
      reason: '"1.200" is ambiguous: it could be 1.2 or 1200. Write 1200 (no dot) if the dot groups thousands, or 1.20 if it is a decimal point',
    });
    expect(parsePrice('12.345 EUR')).toMatchObject({ ok: false, reason: expect.stringContaining('Write 12345 (no dot) if the dot groups thousands, or 12.3450 if') });
    expect(parsePrice('1.000')).toMatchObject({ ok: false, reason: expect.stringContaining('it could be 1 or 1000. Write 1000 (no dot) if the dot groups thousands, or 1.00 if') });
  });

  test('the unambiguous ways to write it are read', () => {
    for (const text of ['1200', '1,200', '1.20', '1.2', '1200.00', '1.200,00']) {
      expect(parsePrice(text), text).toMatchObject({ ok: true, value: /^1\.2$|^1200$/ });
    }
  });

  test('where the file may write decimal commas, a comma before three digits is refused like a dot', () => {
    for (const sign of ['prices', 'semicolons'] as const) {
      expect(parsePrice('1,234', sign)).toMatchObject({ ok: false, reason: expect.stringContaining('"1,234" is ambiguous: it could be 1.234 or 1234') });
      expect(parsePrice('1,234.50', sign)).toEqual({ ok: true, value: '1234.5' });
      expect(parsePrice('1,234,567', sign)).toEqual({ ok: true, value: '1234567' });
      expect(parsePrice('0,500', sign)).toEqual({ ok: true, value: '0.5' });
    }
    expect(parsePrice('1,234')).toEqual({ ok: true, value: '1234' });
  });

  test.each([
    ['12,50', true],
    ['€ 1.200,50', true],
    ['1 200,5 EUR', true],
    ['1\u00a0200,50\u00a0€', true],
    [',5', true],
    ['1,234', false],
    ['$1,200.50', false],
    ['1,20,000', false],
    ['12.50', false],
    ['1,2,3', false],
  ])('%j shows a decimal comma: %s', (text, shows) => {
    expect(showsDecimalComma(text)).toBe(shows);
  });

  test('non-text cells are refused with what they are', () => {
    expect(parsePrice(-5)).toEqual({ ok: false, reason: '"-5" is negative: a price cannot be below zero' });
    expect(parsePrice(true)).toEqual({ ok: false, reason: '"TRUE" is not a price' });
    expect(parsePrice({ kind: 'error', text: '#N/A' })).toEqual({ ok: false, reason: 'the cell shows the error #N/A' });
    expect(parsePrice({ kind: 'date', iso: '2025-01-01' })).toEqual({ ok: false, reason: '"2025-01-01" is a date, not a price' });
  });
});

describe('addMoney and formatMoney', () => {
  test('sums are exact', () => {
    expect(addMoney('0.1', '0.2')).toBe('0.3');
    expect(addMoney('1200.5', '0.5')).toBe('1201');
    expect(addMoney('0', '0')).toBe('0');
    expect(addMoney('99999999999.9999', '0.0001')).toBe('100000000000');
    let total = '0';
    for (let i = 0; i < 1000; i++) total = addMoney(total, '0.01');
    expect(total).toBe('10');
  });

  test('small sums, added without BigInt, agree with BigInt arithmetic at every size and sign', () => {
    const r = mulberry32(2024);
    const decimal = (): string => {
      const whole = String(Math.floor(r() * 10 ** Math.floor(r() * 13)));
      const fraction = String(Math.floor(r() * 10 ** 4)).padStart(4, '0').slice(0, Math.floor(r() * 5)).replace(/0+$/, '');
      const text = fraction ? `${whole}.${fraction}` : whole;
      return text !== '0' && r() < 0.2 ? `-${text}` : text;
    };
    const exact = (a: string, b: string): string => {
      const units = (v: string) => {
        const [w = '0', f = ''] = v.replace('-', '').split('.');
        return (v.startsWith('-') ? -1n : 1n) * BigInt(w + f.padEnd(4, '0'));
      };
      const sum = units(a) + units(b);
      const digits = (sum < 0n ? -sum : sum).toString().padStart(5, '0');
      const text = `${digits.slice(0, -4)}.${digits.slice(-4)}`.replace(/\.?0+$/, '');
      return sum < 0n ? `-${text}` : text;
    };
    for (let i = 0; i < 20_000; i++) {
      const a = decimal();
      const b = decimal();
      expect(addMoney(a, b), `${a} + ${b}`).toBe(exact(a, b));
    }
  });

  test('formatting groups thousands and shows two decimals at least', () => {
    expect(formatMoney('1200.5', 'USD')).toBe('1,200.50 USD');
    expect(formatMoney('0')).toBe('0.00');
    expect(formatMoney('1234567.8912', 'EUR')).toBe('1,234,567.8912 EUR');
    expect(formatMoney('12')).toBe('12.00');
  });
});

describe('canonicalDecimal reads the platform\'s amounts exactly', () => {
  test.each([
    ['223.50', '223.5'],
    ['100.00', '100'],
    [' 007.10 ', '7.1'],
    ['-0.00', '0'],
    ['-12.5', '-12.5'],
    ['+3', '3'],
    ['.5', '0.5'],
    ['12345678901234567890.123456789', '12345678901234567890.123456789'],
    [223.5, '223.5'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [-2.5e-7, '-0.00000025'],
  ] as const)('%j → %s', (value, expected) => {
    expect(canonicalDecimal(value)).toBe(expected);
  });

  test.each(['', '.', '1e5', '12,5', 'abc', '1.2.3'])('%j is not a decimal', (value) => {
    expect(canonicalDecimal(value)).toBeUndefined();
  });

  test('a number that is not finite is not a decimal', () => {
    expect(canonicalDecimal(Number.NaN)).toBeUndefined();
    expect(canonicalDecimal(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
