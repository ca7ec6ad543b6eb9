// Counts by status and money totals by currency, kept as rows finish; the Summary is read off it.
import { namedPackage, type PackageIndex } from '../resolve/resolve.js';
import { addMoney } from '../validate/money.js';
import { STATUSES, type AssignmentRecord, type MoneyTotals, type RowOutcome, type Status } from './types.js';

export class Tally {
  readonly counts: Record<Status, number> = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  // By currency as the platform names it: no prototype, so a currency called `constructor` is a currency.
  private readonly created: Record<string, string> = Object.create(null) as Record<string, string>;
  private readonly sheet: Record<string, string> = Object.create(null) as Record<string, string>;
  rows = 0;

  /** `sheetPrice` is the price a row stands for (its own, or its package's once resolved). */
  add(outcome: RowOutcome, sheetPrice?: { price?: string; currency?: string }): void {
    this.rows++;
    this.counts[outcome.status]++;
    const counted = outcome.price !== undefined ? outcome : sheetPrice;
    if (counted?.price !== undefined) addTo(this.sheet, counted.currency ?? '', counted.price);
    if ((outcome.status === 'created' || outcome.status === 'would_create') && outcome.price !== undefined) {
      addTo(this.created, outcome.currency ?? '', outcome.price);
    }
  }

  get createdTotal(): MoneyTotals {
    return { ...this.created };
  }

  get sheetTotal(): MoneyTotals {
    return { ...this.sheet };
  }
}

function addTo(totals: Record<string, string>, currency: string, amount: string): void {
  totals[currency] = addMoney(totals[currency] ?? '0', amount);
}

/**
 * The price a row of the sheet stands for, for the sheet's total: its own, in the currency written with
 * it, else in that of the package the row names; with none, the package's price. The run's package list
 * knows the package whether or not the row got as far as resolving it (a client not found, a run
 * stopped before the row), so the total is the same however far the run went.
 */
export function sheetPriceOf(record: AssignmentRecord, packages: PackageIndex): { price?: string; currency: string } {
  const named = namedPackage(record, packages);
  if (record.price === undefined) return named ? { price: named.price, currency: named.currency } : { currency: '' };
  return { price: record.price, currency: record.priceCurrency ?? named?.currency ?? '' };
}
