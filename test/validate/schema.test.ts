import { describe, expect, test } from 'vitest';
import type { CellValue, ColumnMap, SourceRow } from '../../src/pipeline/types.js';
import { SeenKeys, hash64 } from '../../src/validate/duplicates.js';
import { rowSchema, rowValidator } from '../../src/validate/schema.js';

const columns: ColumnMap = {
  headers: ['Client ID', 'Email', 'Package ID', 'Package', 'Start', 'End', 'Price', 'Matter'],
  headerRow: 1,
  fields: { client_id: 0, client_email: 1, package_id: 2, package_name: 3, valid_from: 4, valid_until: 5, price: 6, conversation_id: 7 },
};

/** A deterministic stream of rows mixing every kind of value, valid and not. */
function* generatedRows(count: number): Generator<SourceRow> {
  let seed = 42;
  const pick = <T>(list: readonly T[]): T => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return list[seed % list.length] as T;
  };
  const ids: CellValue[] = [null, '', 'cl_1', ' cl_2 ', 12345, 'bad id', 1.5];
  const emails: CellValue[] = [null, 'a@b.co', ' Ann@Example.com ', 'nope', 'a@b', { kind: 'error', text: '#N/A' }];
  const names: CellValue[] = [null, 'Gold', '  Gold 10-Pack ', 2025, true];
  const dates: CellValue[] = [null, '2025-01-15', '15/01/2025', '03/04/2025', 45672, { kind: 'date', iso: '2025-02-01' }, '2025-02-30', 'soon', '1 Mar 2025'];
  const prices: CellValue[] = [null, '', '12.50', '$1,200.50', '1 200,50 €', -3, 0.1 + 0.2, 'free', '(5)'];
  for (let i = 0; i < count; i++) {
    const cells = [pick(ids), pick(emails), pick(ids), pick(names), pick(dates), pick(dates), pick(prices), pick(ids)];
    yield i % 50 === 0 ? { sourceRow: i + 2, cells, problems: ['row has 9 cells but the header has 8'] } : { sourceRow: i + 2, cells };
  }
}

describe('the fast path and the zod schema agree', () => {
  test.each([{ format: 'auto' as const }, { format: 'auto' as const, inferred: 'DMY' as const }, { format: 'MM/DD/YYYY' as const }])(
    'on thousands of generated rows (%j)',
    (dates) => {
      const validate = rowValidator(columns, dates);
      const schema = rowSchema(columns, dates);
      let valid = 0;
      for (const row of generatedRows(5000)) {
        const reading = validate(row);
        const parsed = schema.safeParse({ sourceRow: row.sourceRow, cells: row.cells });
        if (row.problems) {
          expect(reading.ok).toBe(false);
          continue;
        }
        expect(reading.ok).toBe(parsed.success);
        if (reading.ok && parsed.success) {
          expect(reading.record).toEqual(parsed.data);
          valid++;
        } else if (!reading.ok) {
          expect(reading.message).toMatch(/^(Client ID|Email|Package ID|Package|Start|End|Price|Matter): /);
        }
      }
      expect(valid).toBeGreaterThan(50);
    },
  );
});

describe('the duplicate table', () => {
  test('remembers the first row of each key through many growths', () => {
    const seen = new SeenKeys();
    for (let i = 1; i <= 200_000; i++) expect(seen.firstRowOf(`key-${i}`, i)).toBeUndefined();
    for (let i = 1; i <= 200_000; i += 997) expect(seen.firstRowOf(`key-${i}`, 300_000 + i)).toBe(i);
  });

  test('hashes are 64 bits and differ for near keys', () => {
    const [h, l] = hash64('email:a@b.co|name:gold|2025-01-01');
    expect(hash64('email:a@b.co|name:gold|2025-01-02')).not.toEqual([h, l]);
    expect(hash64('')).toEqual(hash64(''));
  });
});
