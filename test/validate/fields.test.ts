import { describe, expect, test } from 'vitest';
import { parseEmail, parseId, parseName } from '../../src/validate/fields.js';

describe('emails', () => {
  test.each(['a@b.co', 'first.last+tag@mail.example.com', "o'neil@example.ie", 'ZOË@exämple.de', 'x_y-z@sub-domain.example.travel'])('%j is an email', (email) => {
    expect(parseEmail(email)).toEqual({ ok: true, value: email });
  });

  test('trimmed, case kept (lookups compare lower-cased)', () => {
    expect(parseEmail('  Ann@Example.COM ')).toEqual({ ok: true, value: 'Ann@Example.COM' });
  });

  test.each(['ann', 'ann@', '@example.com', 'ann@example', 'ann@@example.com', 'ann@example..com', 'ann@-example.com', '.ann@example.com', 'ann.@example.com', 'an..n@example.com', 'ann example@example.com', 'ann@example.c', 'ann@exam_ple.com', 'ann@example.com.'])(
    '%j is not an email, and the message quotes it',
    (email) => {
      expect(parseEmail(email)).toEqual({ ok: false, reason: `"${email}" is not an email address` });
    },
  );

  test('several addresses in one cell', () => {
    expect(parseEmail('a@b.co; c@d.co')).toEqual({ ok: false, reason: '"a@b.co; c@d.co" holds more than one email address; put one per row' });
  });

  test('other cells', () => {
    expect(parseEmail(null)).toBeUndefined();
    expect(parseEmail('  ')).toBeUndefined();
    expect(parseEmail(42)).toEqual({ ok: false, reason: '"42" is not an email address' });
    expect(parseEmail({ kind: 'error', text: '#REF!' })).toEqual({ ok: false, reason: 'the cell shows the error #REF!' });
  });
});

describe('ids', () => {
  test('trimmed text, and whole numbers from number cells', () => {
    expect(parseId(' cl_123 ')).toEqual({ ok: true, value: 'cl_123' });
    expect(parseId(12345)).toEqual({ ok: true, value: '12345' });
    expect(parseId('x'.repeat(100))).toEqual({ ok: true, value: 'x'.repeat(100) });
    expect(parseId(null)).toBeUndefined();
    expect(parseId('')).toBeUndefined();
  });

  test.each([
    ['cl 123', '"cl 123" has a space in it; an id has none'],
    ['cl\t123', '"cl 123" has a space in it; an id has none'],
    ['x'.repeat(101), `"${'x'.repeat(57)}..." is longer than 100 characters`],
    ['1.23457E+15', '"1.23457E+15" is a long number that Excel shortened; format the column as text and enter the id again'],
  ])('%j is refused', (id, reason) => {
    expect(parseId(id)).toEqual({ ok: false, reason });
  });

  test('numbers that cannot be ids', () => {
    expect(parseId(12.5)).toEqual({ ok: false, reason: '"12.5" is not an id' });
    expect(parseId(2 ** 60)).toMatchObject({ ok: false, reason: expect.stringContaining('format the column as text') });
    expect(parseId(true)).toEqual({ ok: false, reason: '"TRUE" is not an id' });
    expect(parseId({ kind: 'date', iso: '2025-01-01' })).toEqual({ ok: false, reason: '"2025-01-01" is not an id' });
  });
});

describe('package names', () => {
  test('trimmed; numbers as their text', () => {
    expect(parseName('  Gold 10-Pack ')).toEqual({ ok: true, value: 'Gold 10-Pack' });
    expect(parseName(2025)).toEqual({ ok: true, value: '2025' });
    expect(parseName('')).toBeUndefined();
    expect(parseName('x'.repeat(201))).toMatchObject({ ok: false, reason: expect.stringContaining('longer than 200 characters') });
  });
});
