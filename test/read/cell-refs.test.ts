import { describe, expect, test } from 'vitest';
import { columnLetters, columnNumber } from '../../src/read/cell-refs.js';

describe('cell references', () => {
  test('columns read from a reference, in either case, up to the row number', () => {
    expect(columnNumber('A1')).toBe(1);
    expect(columnNumber('Z9')).toBe(26);
    expect(columnNumber('AA10')).toBe(27);
    expect(columnNumber('ab12')).toBe(28);
    expect(columnNumber('XFD1048576')).toBe(16_384); // Excel's last column
    expect(columnNumber('12')).toBe(0);
    expect(columnNumber('')).toBe(0);
  });

  test('letters and numbers are each other\'s inverse over every column Excel has', () => {
    for (let n = 1; n <= 16_384; n++) expect(columnNumber(`${columnLetters(n)}1`)).toBe(n);
    expect([columnLetters(1), columnLetters(26), columnLetters(27), columnLetters(702), columnLetters(703)]).toEqual(['A', 'Z', 'AA', 'ZZ', 'AAA']);
  });
});
