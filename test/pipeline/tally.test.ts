import { describe, expect, test } from 'vitest';
import { Tally } from '../../src/pipeline/tally.js';
import type { RowOutcome } from '../../src/pipeline/types.js';

const created = (sourceRow: number, price: string, currency: string): RowOutcome => ({ sourceRow, status: 'created', message: '', price, currency });

describe('Tally', () => {
  test('counts by status and sums exactly by currency', () => {
    const tally = new Tally();
    tally.add(created(2, '0.1', 'USD'));
    tally.add(created(3, '0.2', 'USD'));
    tally.add({ sourceRow: 4, status: 'failed', message: 'x' }, { price: '5', currency: 'EUR' });
    expect(tally.rows).toBe(3);
    expect(tally.counts.created).toBe(2);
    expect(tally.counts.failed).toBe(1);
    expect(tally.createdTotal).toEqual({ USD: '0.3' });
    expect(tally.sheetTotal).toEqual({ USD: '0.3', EUR: '5' });
  });

  test('a currency named like a property of every object is summed like any other', () => {
    const tally = new Tally();
    for (const currency of ['constructor', 'toString', '__proto__', 'constructor']) tally.add(created(2, '1.5', currency));
    expect(tally.createdTotal).toEqual({ constructor: '3', toString: '1.5', ['__proto__']: '1.5' });
    expect(Object.keys(tally.sheetTotal).sort()).toEqual(['__proto__', 'constructor', 'toString']);
  });
});
