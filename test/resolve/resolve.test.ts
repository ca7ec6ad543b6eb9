import { describe, expect, it } from 'vitest';
import type { AssignmentRecord } from '../../src/pipeline/types.js';
import { indexPackages, resolveClient, resolvePackage } from '../../src/resolve/resolve.js';
import { closestNames } from '../../src/resolve/suggest.js';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { CLIENTS, PACKAGES } from '../helpers/fake-platform.js';

const index = indexPackages(PACKAGES);
const rec = (fields: Partial<AssignmentRecord>): AssignmentRecord => ({ sourceRow: 5, validFrom: '2025-01-01', ...fields });

describe('resolvePackage', () => {
  it('matches names case- and space-insensitively', () => {
    const r = resolvePackage(rec({ packageName: '  GOLD   10 pack ' }), index);
    expect(r.ok && r.value.id).toBe('pk_gold');
  });

  it('uses a package_id as given', () => {
    const r = resolvePackage(rec({ packageId: 'pk_silver' }), index);
    expect(r.ok && r.value.name).toBe('Silver');
  });

  it('suggests the closest names when nothing matches', () => {
    const r = resolvePackage(rec({ packageName: 'Gold Pack' }), index);
    expect(r.ok).toBe(false);
    if (!r.ok) expectOutcome(r.outcome, { status: 'failed', sourceRow: 5, messageIncludes: 'closest: "Gold 10 Pack"' });
  });

  it('refuses ambiguous, inactive and unknown packages', () => {
    for (const [fields, text] of [
      [{ packageName: 'Yoga' }, 'ambiguous: 2 packages'],
      [{ packageName: 'Legacy Plan' }, 'inactive'],
      [{ packageId: 'pk_nope' }, 'no package has the id pk_nope'],
    ] as const) {
      const r = resolvePackage(rec(fields), index);
      expect(r.ok).toBe(false);
      if (!r.ok) expectOutcome(r.outcome, { status: 'failed', messageIncludes: text });
    }
  });

  it('refuses a price in another currency than the package', () => {
    const r = resolvePackage(rec({ packageName: 'Silver', price: '10', priceCurrency: 'EUR' }), index);
    expect(r.ok).toBe(false);
    if (!r.ok) expectOutcome(r.outcome, { status: 'failed', messageIncludes: 'priced in USD' });
  });
});

describe('resolveClient', () => {
  it('needs exactly one client for an email', () => {
    const none = resolveClient(rec({ clientEmail: 'x@example.com' }), []);
    const two = resolveClient(rec({ clientEmail: 'twin@example.com' }), CLIENTS.slice(2));
    const one = resolveClient(rec({ clientEmail: 'ann@example.com' }), CLIENTS.slice(0, 1));
    expect(!none.ok && none.outcome.message).toContain('client not found');
    expect(!two.ok && two.outcome.message).toContain('ambiguous: 2 clients');
    expect(one.ok && one.value.id).toBe('cl_ann');
  });
});

describe('closestNames', () => {
  it('leaves out names that are nothing alike', () => {
    expect(closestNames('Platinum', ['Gold', 'Silver', 'Platinum Plus'])).toEqual(['Platinum Plus']);
    expect(closestNames('zzzz', ['Gold', 'Silver'])).toEqual([]);
  });
});
