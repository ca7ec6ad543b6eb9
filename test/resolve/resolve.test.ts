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

  it('never takes a name for another that differs in more than case and spacing', () => {
    const platform = indexPackages([
      { id: 'pk_premium', name: 'Premium', price: '100', currency: 'USD', active: true },
      { id: 'pk_premium_plus', name: 'Premium+', price: '150', currency: 'USD', active: true },
      { id: 'pk_eur50', name: '€50 Voucher', price: '50', currency: 'EUR', active: true },
      { id: 'pk_cpp', name: 'Yoga C++', price: '60', currency: 'USD', active: true },
      { id: 'pk_gold10', name: 'Gold10', price: '60', currency: 'USD', active: true },
    ]);
    const resolved = (packageName: string) => {
      const r = resolvePackage(rec({ packageName }), platform);
      return r.ok ? r.value.id : r.outcome.message;
    };
    expect(resolved('Premium')).toBe('pk_premium');
    expect(resolved(' PREMIUM+ ')).toBe('pk_premium_plus');
    expect(resolved('premium +')).toBe('package not found: no package is named "premium +"; closest: "Premium", "Premium+"');
    expect(resolved('$50 Voucher')).toBe('package not found: no package is named "$50 Voucher"; closest: "€50 Voucher"');
    expect(resolved('Yoga C')).toBe('package not found: no package is named "Yoga C"; closest: "Yoga C++"');
    expect(resolved('Gold 10')).toBe('package not found: no package is named "Gold 10"; closest: "Gold10"');
  });

  it('reads spacing of any kind, and accents however Unicode spells them', () => {
    const platform = indexPackages([{ id: 'pk_creme', name: 'Crème  Brûlée', price: '10', currency: 'EUR', active: true }]);
    for (const packageName of ['crème brûlée', 'CRE\u0300ME\u00a0BRU\u0302LE\u0301E', '\tCrème\u2009 Brûlée ']) {
      const r = resolvePackage(rec({ packageName }), platform);
      expect(r.ok && r.value.id, packageName).toBe('pk_creme');
    }
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

  it('looks past punctuation and width, and suggests nothing for a name of punctuation only', () => {
    expect(closestNames('Gold Pack', ['GOLD-PACK!', 'Silver'])).toEqual(['GOLD-PACK!']);
    expect(closestNames('Gold', ['Ｇｏｌｄ', 'Silver'])).toEqual(['Ｇｏｌｄ']);
    expect(closestNames('+++', ['Gold', 'Silver'])).toEqual([]);
  });
});
