// The sandbox's own calendar, money and data-file checks, below the HTTP tests that use them.

import { describe, expect, it } from 'vitest';
import { addExpiration, parseIsoDay, formatDay } from '../../src/sandbox/calendar.js';
import { parseSandboxData } from '../../src/sandbox/data.js';
import { canonicalDecimal, readPrice } from '../../src/sandbox/money.js';
import { mulberry32 } from '../../src/sandbox/faults.js';
import { fixtureData } from './helpers.js';

describe('calendar', () => {
  it.each(['2026-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '2026-1-05', ' 2026-01-05', '0000-01-01', '20260105', ''])(
    'refuses %j',
    (text) => expect(parseIsoDay(text)).toBeUndefined(),
  );

  it('accepts leap days of leap years, including 2000 but not 1900', () => {
    expect(parseIsoDay('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDay('2000-02-29')).toBeDefined();
    expect(parseIsoDay('1900-02-29')).toBeUndefined();
  });

  it.each([
    ['2026-12-31', 1, 'd', '2027-01-01'],
    ['2026-03-28', 2, 'w', '2026-04-11'],
    ['2026-10-31', 1, 'm', '2026-11-30'],
    ['2026-12-15', 1, 'm', '2027-01-15'],
    ['2026-01-31', 13, 'm', '2027-02-28'],
    ['2028-02-29', 4, 'y', '2032-02-29'],
    ['2028-02-29', 1, 'y', '2029-02-28'],
  ] as const)('%s + %i%s = %s', (from, amount, unit, until) => {
    const start = parseIsoDay(from);
    if (!start) throw new Error(from);
    expect(formatDay(addExpiration(start, amount, unit))).toBe(until);
  });
});

describe('money', () => {
  it.each([
    ['007.50', '7.5'],
    ['1200.00', '1200'],
    ['-0', '0'],
    ['0.10', '0.1'],
    ['1e3', undefined],
    ['1,200', undefined],
    ['', undefined],
  ])('canonicalDecimal(%j) = %j', (text, expected) => expect(canonicalDecimal(text)).toBe(expected));

  it('spells out numbers that JavaScript would print with an exponent', () => {
    expect(readPrice(1e21)).toEqual({ ok: true, amount: '1000000000000000000000' });
    expect(readPrice(1e-7)).toEqual({ ok: true, amount: '0.0000001' });
    expect(readPrice(' 12.5 ')).toEqual({ ok: true, amount: '12.5' });
    expect(readPrice({})).toMatchObject({ ok: false });
  });
});

describe('data files', () => {
  it('names the bad value of a file not in the documented format', () => {
    const data = fixtureData() as unknown as { clients: Array<Record<string, unknown>> };
    const first = data.clients[0];
    if (first) first.email = 42;
    expect(() => parseSandboxData(data, 'test.json')).toThrow(/test\.json[\s\S]*clients\[0\]\.email/);
  });

  it('refuses duplicate ids and client packages that point nowhere', () => {
    const data = fixtureData();
    data.packages.push({ ...data.packages[0]!, name: 'copy' });
    data.client_packages?.push({ id: 'cp_x', client_id: 'cl_nobody', package_id: 'pk_gold', valid_from: '2026-01-01' });
    expect(() => parseSandboxData(data, 'test.json')).toThrow(/id pk_gold is used twice[\s\S]*cl_nobody is not a client/);
  });

  it('refuses an unknown expiration unit', () => {
    const data = fixtureData();
    data.packages[0]!.expiration_unit = 'h';
    expect(() => parseSandboxData(data, 'x')).toThrow(/must be d, w, m or y[\s\S]*packages\[0\]\.expiration_unit/);
  });

  it('refuses one token for both roles', () => {
    const data = fixtureData();
    data.tokens.directory = data.tokens.staff;
    expect(() => parseSandboxData(data, 'x')).toThrow(/staff and directory tokens must differ/);
  });
});

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
