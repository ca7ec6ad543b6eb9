// The words on a created or would_create row: what was (or would be) sent, checkable at a glance.
import type { ClientPackage, Package } from './api-types.js';
import type { AssignmentRecord } from '../pipeline/types.js';
import { formatMoney } from '../validate/money.js';

function clientLabel(record: AssignmentRecord, clientId: string): string {
  return record.clientEmail ?? `client ${clientId}`;
}

function priceLabel(record: AssignmentRecord, pkg: Package): string {
  return record.price !== undefined
    ? formatMoney(record.price, pkg.currency)
    : `${formatMoney(pkg.price, pkg.currency)} (the package's price)`;
}

function untilLabel(record: AssignmentRecord, pkg: Package): string {
  if (record.validUntil) return record.validUntil;
  const unit = { d: 'day', w: 'week', m: 'month', y: 'year' }[pkg.expirationUnit ?? ''];
  return pkg.expiration && unit
    ? `the package's default (${pkg.expiration} ${unit}${pkg.expiration === 1 ? '' : 's'})`
    : "the package's default";
}

export function wouldCreateMessage(record: AssignmentRecord, pkg: Package, clientId: string): string {
  return (
    `would create "${pkg.name}" for ${clientLabel(record, clientId)}, ` +
    `${record.validFrom} to ${untilLabel(record, pkg)}, ${priceLabel(record, pkg)}`
  );
}

export function createdMessage(record: AssignmentRecord, pkg: Package, clientId: string, made: ClientPackage): string {
  const until = made.validUntil ?? untilLabel(record, pkg);
  const price = made.amount !== undefined ? formatMoney(made.amount, made.currency ?? pkg.currency) : priceLabel(record, pkg);
  return `created "${pkg.name}" for ${clientLabel(record, clientId)}, ${made.validFrom} to ${until}, ${price}`;
}

export function skippedMessage(pkg: Package, existing: ClientPackage): string {
  return `already exists: ${existing.id} ("${pkg.name}" from ${existing.validFrom}); not created again`;
}
