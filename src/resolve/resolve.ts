// Pure resolution: a record and the maps loaded once per run in, a resolved record or a failed outcome out.
import { ROW_CODES } from '../errors.js';
import type { Client, Package } from '../execute/api-types.js';
import type { AssignmentRecord, RowOutcome } from '../pipeline/types.js';
import { packageNameKey } from '../validate/index.js';
import { closestNames } from './suggest.js';

export interface PackageIndex {
  readonly byId: ReadonlyMap<string, Package>;
  readonly byNameKey: ReadonlyMap<string, readonly Package[]>;
  readonly all: readonly Package[];
}

export function indexPackages(packages: readonly Package[]): PackageIndex {
  const byId = new Map<string, Package>();
  const byNameKey = new Map<string, Package[]>();
  for (const pkg of packages) {
    byId.set(pkg.id, pkg);
    const key = packageNameKey(pkg.name);
    const same = byNameKey.get(key);
    if (same) same.push(pkg);
    else byNameKey.set(key, [pkg]);
  }
  return { byId, byNameKey, all: packages };
}

export type Resolution<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly outcome: RowOutcome };

function failed(record: AssignmentRecord, code: keyof typeof ROW_CODES, message: string, extra: Partial<RowOutcome> = {}): Resolution<never> {
  return { ok: false, outcome: { sourceRow: record.sourceRow, status: 'failed', code, message, ...extra } };
}

/** The clients an email lookup found, turned into one client or the reason there is none. */
export function resolveClient(record: AssignmentRecord, found: readonly Client[]): Resolution<Client> {
  const email = record.clientEmail ?? '';
  if (found.length === 0) {
    return failed(record, 'CLIENT_NOT_FOUND', `client not found: no client has the email ${email}`);
  }
  if (found.length > 1) {
    const ids = found.map((c) => c.id).join(', ');
    return failed(
      record,
      'CLIENT_AMBIGUOUS',
      `ambiguous: ${found.length} clients share the email ${email} (${ids}); put the right one in a client_id column`,
    );
  }
  return { ok: true, value: found[0]! };
}

/**
 * A row that gives both a client_id and an email: the id must be one of the clients the email found,
 * so a mistyped or someone else's id never gets a package the row's email says is for another person.
 * Several clients sharing the email is no failure here: the id is what tells them apart.
 */
export function resolveClientWithId(record: AssignmentRecord, found: readonly Client[]): Resolution<Client> {
  const id = record.clientId ?? '';
  const email = record.clientEmail ?? '';
  const client = found.find((c) => c.id === id);
  if (client) return { ok: true, value: client };
  const owners = found.length === 0 ? 'no client has that email' : `that email belongs to ${found.map((c) => c.id).join(', ')}`;
  return failed(
    record,
    'CLIENT_MISMATCH',
    `client mismatch: client_id ${id} is not the client with the email ${email} (${owners}); correct the one that is wrong`,
  );
}

/** The one package a record names, if any, without resolvePackage's checks: for totals, not for sending. */
export function namedPackage(record: AssignmentRecord, index: PackageIndex): Package | undefined {
  if (record.packageId !== undefined) return index.byId.get(record.packageId);
  const matches = index.byNameKey.get(packageNameKey(record.packageName ?? ''));
  return matches?.length === 1 ? matches[0] : undefined;
}

export function resolvePackage(record: AssignmentRecord, index: PackageIndex): Resolution<Package> {
  let pkg: Package | undefined;
  if (record.packageId !== undefined) {
    pkg = index.byId.get(record.packageId);
    if (!pkg) {
      return failed(record, 'PACKAGE_NOT_FOUND', `package not found: no package has the id ${record.packageId}`);
    }
  } else {
    const name = record.packageName ?? '';
    const matches = index.byNameKey.get(packageNameKey(name)) ?? [];
    if (matches.length === 0) {
      const suggestions = closestNames(name, index.all.map((p) => p.name));
      const hint = suggestions.length > 0 ? `; closest: ${suggestions.map((s) => `"${s}"`).join(', ')}` : '';
      return failed(record, 'PACKAGE_NOT_FOUND', `package not found: no package is named "${name}"${hint}`);
    }
    if (matches.length > 1) {
      const ids = matches.map((p) => p.id).join(', ');
      return failed(
        record,
        'PACKAGE_AMBIGUOUS',
        `ambiguous: ${matches.length} packages are named "${name}" (${ids}); put the right one in a package_id column`,
      );
    }
    pkg = matches[0]!;
  }
  if (!pkg.active) {
    return failed(record, 'PACKAGE_INACTIVE', `package "${pkg.name}" (${pkg.id}) is inactive`, {
      resolvedPackageId: pkg.id,
    });
  }
  if (record.priceCurrency && pkg.currency && record.priceCurrency.toUpperCase() !== pkg.currency.toUpperCase()) {
    return failed(
      record,
      'CURRENCY_MISMATCH',
      `price: the sheet says ${record.priceCurrency} but package "${pkg.name}" is priced in ${pkg.currency}`,
      { resolvedPackageId: pkg.id },
    );
  }
  return { ok: true, value: pkg };
}
