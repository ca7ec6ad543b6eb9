import { describe, expect, test } from 'vitest';
import { civilFromDays, classifyNumFmt, daysFromCivil, excelSerialToDate } from '../../src/read/calendar.js';

describe('Excel serial numbers', () => {
  test.each([
    [1, '1900-01-01'],
    [59, '1900-02-28'],
    [60, '1900-02-29'],
    [61, '1900-03-01'],
    [25569, '1970-01-01'],
    [44197, '2021-01-01'],
    [45672, '2025-01-15'],
    [2958465, '9999-12-31'],
  ])('1900 system: %d is %s', (serial, iso) => {
    expect(excelSerialToDate(serial, false)?.iso).toBe(iso);
  });

  test.each([
    [0, '1904-01-01'],
    [42735, '2021-01-01'],
    [1, '1904-01-02'],
    [2957003, '9999-12-31'],
  ])('1904 system: %d is %s', (serial, iso) => {
    expect(excelSerialToDate(serial, true)?.iso).toBe(iso);
  });

  test('the last day Excel holds, with a time of day', () => {
    expect(excelSerialToDate(2958465.5, false)).toEqual({ kind: 'date', iso: '9999-12-31', time: '12:00:00' });
    expect(excelSerialToDate(2957003.75, true)).toEqual({ kind: 'date', iso: '9999-12-31', time: '18:00:00' });
  });

  test('the time of day, rounded to the second; midnight has none', () => {
    expect(excelSerialToDate(45672.5, false)).toEqual({ kind: 'date', iso: '2025-01-15', time: '12:00:00' });
    expect(excelSerialToDate(45672.99999999, false)).toEqual({ kind: 'date', iso: '2025-01-16' });
    expect(excelSerialToDate(45672, false)).toEqual({ kind: 'date', iso: '2025-01-15' });
  });

  test('out of range is not a date', () => {
    expect(excelSerialToDate(0, false)).toBeUndefined();
    expect(excelSerialToDate(-1, false)).toBeUndefined();
    expect(excelSerialToDate(2958466, false)).toBeUndefined();
    expect(excelSerialToDate(2957004, true)).toBeUndefined();
    expect(excelSerialToDate(2958465.99999999, false)).toBeUndefined(); // rounds to 10000-01-01
    expect(excelSerialToDate(Number.NaN, false)).toBeUndefined();
  });

  test('day counting round-trips over four centuries', () => {
    for (let days = -50_000; days < 100_000; days += 37) {
      const { year, month, day } = civilFromDays(days);
      expect(daysFromCivil(year, month, day)).toBe(days);
    }
  });
});

describe('number formats', () => {
  test.each([
    ['yyyy-mm-dd', 'date'],
    ['dd/mm/yyyy', 'date'],
    ['m/d/yy', 'date'],
    ['mmm-yy', 'date'],
    ['[$-409]mmmm d, yyyy;@', 'date'],
    ['yyyy-mm-dd hh:mm', 'date'],
    ['h:mm AM/PM', 'time'],
    ['[h]:mm:ss', 'time'],
    ['mm:ss', 'time'],
    ['General', 'number'],
    ['0.00', 'number'],
    ['0.00E+00', 'number'],
    ['#,##0 "days"', 'number'],
    ['[Red]#,##0.00', 'number'],
    ['_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)', 'number'],
  ])('%j is a %s format', (fmt, kind) => {
    expect(classifyNumFmt(fmt)).toBe(kind);
  });
});
