import { describe, expect, test } from 'vitest';
import type { DateFormat } from '../../src/pipeline/types.js';
import { MIN_SERIAL, parseDate, type DayOrder } from '../../src/validate/dates.js';

const auto = { format: 'auto' as const };
const read = (v: Parameters<typeof parseDate>[0], format: DateFormat = 'auto', inferred?: DayOrder) =>
  parseDate(v, inferred ? { format, inferred } : { format });

describe('dates that read the same in every mode', () => {
  test.each([
    ['2025-01-31', '2025-01-31'],
    ['2025-1-5', '2025-01-05'],
    ['2025/01/31', '2025-01-31'],
    ['2025.01.31', '2025-01-31'],
    ['2025-01-31T10:30:00Z', '2025-01-31'],
    ['2025-01-31 23:59', '2025-01-31'],
    ['2025-01-31T23:30:00-05:00', '2025-01-31'],
    ['20250131', '2025-01-31'],
    ['  2025-01-31 ', '2025-01-31'],
    ['15 Jan 2025', '2025-01-15'],
    ['15 January 2025', '2025-01-15'],
    ['15-Jan-25', '2025-01-15'],
    ['January 15, 2025', '2025-01-15'],
    ['Jan 15 2025', '2025-01-15'],
    ['Sept 3, 2025', '2025-09-03'],
    ['3rd March 2025', '2025-03-03'],
    ['Wed, 15 Jan 2025', '2025-01-15'],
    ['Wednesday, January 15, 2025', '2025-01-15'],
    ['45672', '2025-01-15'],
    ['45672.75', '2025-01-15'],
  ])('%j → %s', (text, iso) => {
    for (const format of ['auto', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD'] as const) {
      expect(read(text, format)).toEqual({ ok: true, iso });
    }
  });

  test('date cells, and numbers as Excel serials', () => {
    expect(read({ kind: 'date', iso: '2025-01-15' })).toEqual({ ok: true, iso: '2025-01-15' });
    expect(read({ kind: 'date', iso: '2025-01-15', time: '10:00:00' })).toEqual({ ok: true, iso: '2025-01-15' });
    expect(read(45672)).toEqual({ ok: true, iso: '2025-01-15' });
    expect(read(45672.9999)).toEqual({ ok: true, iso: '2025-01-15' });
  });

  test('empty is undefined (the row decides whether that is allowed)', () => {
    expect(read(null)).toBeUndefined();
    expect(read('')).toBeUndefined();
    expect(read('   ')).toBeUndefined();
  });
});

describe('day and month order', () => {
  test('a part above 12 settles a value by itself in auto', () => {
    expect(read('31/01/2025')).toEqual({ ok: true, iso: '2025-01-31' });
    expect(read('01/31/2025')).toEqual({ ok: true, iso: '2025-01-31' });
    expect(read('31.01.2025')).toEqual({ ok: true, iso: '2025-01-31' });
    expect(read('31-01-25')).toEqual({ ok: true, iso: '2025-01-31' });
    expect(read('5/5/2025')).toEqual({ ok: true, iso: '2025-05-05' });
  });

  test('an ambiguous value follows the order the file shows, or asks for --date-format', () => {
    expect(read('03/04/2025', 'auto', 'DMY')).toEqual({ ok: true, iso: '2025-04-03' });
    expect(read('03/04/2025', 'auto', 'MDY')).toEqual({ ok: true, iso: '2025-03-04' });
    expect(read('03/04/2025', 'auto')).toEqual({
      ok: false,
      reason:
        '"03/04/2025" could be 2025-04-03 or 2025-03-04, and no other date in the file settles which; pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY',
    });
  });

  test('--date-format decides, and says so when a value cannot be read that way', () => {
    expect(read('03/04/2025', 'DD/MM/YYYY')).toEqual({ ok: true, iso: '2025-04-03' });
    expect(read('03/04/2025', 'MM/DD/YYYY')).toEqual({ ok: true, iso: '2025-03-04' });
    expect(read('03/04/2025', 'MM/DD/YYYY', 'DMY')).toEqual({ ok: true, iso: '2025-03-04' });
    expect(read('25/01/2025', 'MM/DD/YYYY')).toEqual({
      ok: false,
      reason: '"25/01/2025" is not a real date: --date-format MM/DD/YYYY reads 25 as the month',
    });
    expect(read('03/04/2025', 'YYYY-MM-DD')).toEqual({
      ok: false,
      reason: '"03/04/2025" is not in the form YYYY-MM-DD that --date-format asks for',
    });
  });
});

describe('dates that are refused, naming the value', () => {
  test.each([
    ['2025-02-29', '"2025-02-29" is not a real date'],
    ['31/04/2025', '"31/04/2025" is not a real date'],
    ['31/02/2025', '"31/02/2025" is not a real date'],
    ['2025-13-01', '"2025-13-01" is not a real date'],
    ['13/13/2025', '"13/13/2025" is not a real date'],
    ['30 Feb 2025', '"30 Feb 2025" is not a real date'],
    ['1899-12-31', '"1899-12-31" has the year 1899, outside 1900-2200'],
    ['2201-01-01', '"2201-01-01" has the year 2201, outside 1900-2200'],
    ['15 Foo 2025', '"15 Foo 2025" is not a date: "Foo" is not a month'],
    ['next monday', '"next monday" is not a date (write it as YYYY-MM-DD, e.g. 2025-01-31)'],
    ['2025', '"2025" is a number, not a date (write dates as YYYY-MM-DD)'],
    ['12', '"12" is a number, not a date (write dates as YYYY-MM-DD)'],
  ])('%j', (text, reason) => {
    expect(read(text)).toEqual({ ok: false, reason });
  });

  test('other cells', () => {
    expect(read(2025)).toEqual({ ok: false, reason: '"2025" is a number, not a date (write dates as YYYY-MM-DD)' });
    expect(read(true)).toEqual({ ok: false, reason: '"TRUE" is not a date' });
    expect(read({ kind: 'error', text: '#N/A' })).toEqual({ ok: false, reason: 'the cell shows the error #N/A' });
    expect(read({ kind: 'date', iso: '1900-02-29' })).toEqual({ ok: false, reason: '"1900-02-29" is not a real date' });
    expect(read({ kind: 'date', iso: '1899-12-31' })).toMatchObject({ ok: false });
  });

  test('leap years', () => {
    expect(read('2024-02-29')).toEqual({ ok: true, iso: '2024-02-29' });
    expect(read('2000-02-29')).toEqual({ ok: true, iso: '2000-02-29' });
    expect(read('2100-02-29')).toMatchObject({ ok: false });
    expect(auto.format).toBe('auto');
  });
});

describe('a month and a year with no day', () => {
  test.each([
    ['January 2025', '2025-01-01'],
    ['Dec 2025', '2025-12-01'],
    ['Sept2025', '2025-09-01'],
    ['Jan-2025', '2025-01-01'],
    ['jan. 2025', '2025-01-01'],
    ['2025 March', '2025-03-01'],
    ['2025-01', '2025-01-01'],
    ['01/2025', '2025-01-01'],
    ['Jan 1525', '2025-01-31'],
  ])('%j is refused as having no day, in every mode', (text, example) => {
    for (const format of ['auto', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD'] as const) {
      expect(read(text, format)).toEqual({ ok: false, reason: `no day in "${text}": write the whole date, e.g. ${example}` });
    }
  });

  test('a day between the month and the year still reads', () => {
    expect(read('Jan 20 25')).toEqual({ ok: true, iso: '2025-01-20' });
    expect(read('Jan 3rd 2025')).toEqual({ ok: true, iso: '2025-01-03' });
    expect(read('Jan 3rd, 2025 10:00')).toEqual({ ok: true, iso: '2025-01-03' });
    expect(read('Dec. 5 2025')).toEqual({ ok: true, iso: '2025-12-05' });
  });

  test('a name that is no month, or a time with no date, is refused as such', () => {
    expect(read('Foo 2025')).toEqual({ ok: false, reason: '"Foo 2025" is not a date (write it as YYYY-MM-DD, e.g. 2025-01-31)' });
    expect(read('10:30')).toEqual({ ok: false, reason: '"10:30" is a time of day with no date (write the date as YYYY-MM-DD, e.g. 2025-01-31)' });
    expect(read('T10:30:00')).toMatchObject({ ok: false, reason: expect.stringContaining('is a time of day with no date') });
  });
});

describe('serial numbers in a workbook of the 1904 date system', () => {
  const in1904 = (v: Parameters<typeof parseDate>[0]) => parseDate(v, { format: 'auto', date1904: true });

  test('count days from 1904, as a number or as its text', () => {
    expect(in1904(44210)).toEqual({ ok: true, iso: '2025-01-15' });
    expect(in1904(44210.5)).toEqual({ ok: true, iso: '2025-01-15' });
    expect(in1904('44210')).toEqual({ ok: true, iso: '2025-01-15' });
    expect(read(44210)).toEqual({ ok: true, iso: '2021-01-14' });
  });

  test('take dates from 1950 on as dates, in their own count', () => {
    expect(in1904(MIN_SERIAL - 1462)).toEqual({ ok: true, iso: '1950-01-01' });
    expect(in1904(MIN_SERIAL - 1463)).toMatchObject({ ok: false, reason: expect.stringContaining('is a number, not a date') });
    expect(in1904(2025)).toMatchObject({ ok: false, reason: expect.stringContaining('is a number, not a date') });
  });

  test('leave date cells and text dates alone', () => {
    expect(in1904({ kind: 'date', iso: '2025-01-15' })).toEqual({ ok: true, iso: '2025-01-15' });
    expect(in1904('2025-01-15')).toEqual({ ok: true, iso: '2025-01-15' });
  });
});
