// POST /platform/v1/payment/client_packages: every 422 rule of the contract, each with its own
// message, then the defaults (price, valid_until, conversation) and the commit.

import { addExpiration, formatDay, parseIsoDay } from './calendar.js';
import { readPrice } from './money.js';
import type { CreatedRecord, SandboxStore, TokenInfo } from './store.js';

export type CreateOutcome =
  | { readonly status: 201; readonly record: CreatedRecord }
  | { readonly status: 422; readonly message: string };

const REQUIRED = ['client_id', 'package_id', 'valid_from'] as const;

function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function reject(message: string): CreateOutcome {
  return { status: 422, message };
}

/** Checks a body already known to be a JSON object; commits and returns the record when it passes. */
export function createClientPackage(store: SandboxStore, auth: TokenInfo, body: Record<string, unknown>): CreateOutcome {
  // The platform answers a directory token on this endpoint with 422, not 401.
  if (auth.kind !== 'staff') return reject('Unauthorized');

  const missing = REQUIRED.filter((field) => !given(body[field]));
  if (missing.length > 0) return reject(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required`);
  for (const field of ['client_id', 'package_id', 'valid_from', 'valid_until', 'conversation_id'] as const) {
    if (given(body[field]) && typeof body[field] !== 'string') {
      return reject(`${field} must be a string, got ${JSON.stringify(body[field])}`);
    }
  }
  const clientId = body.client_id as string;
  const packageId = body.package_id as string;
  const validFromText = body.valid_from as string;
  const validUntilText = given(body.valid_until) ? (body.valid_until as string) : undefined;
  const conversationId = given(body.conversation_id) ? (body.conversation_id as string) : undefined;

  const validFrom = parseIsoDay(validFromText);
  if (!validFrom) return reject(`valid_from must be a real day written YYYY-MM-DD, got ${JSON.stringify(validFromText)}`);
  if (validUntilText !== undefined) {
    if (!parseIsoDay(validUntilText)) return reject(`valid_until must be a real day written YYYY-MM-DD, got ${JSON.stringify(validUntilText)}`);
    // Both are zero-padded YYYY-MM-DD, so text order is calendar order.
    if (validUntilText < validFromText) return reject(`valid_until (${validUntilText}) is before valid_from (${validFromText})`);
  }

  let amount: string | undefined;
  if (body.price !== undefined && body.price !== null) {
    const price = readPrice(body.price);
    if (!price.ok) return reject(price.message);
    amount = price.amount;
  }

  const client = store.clientsById.get(clientId);
  if (!client) return reject(`Client not found: ${clientId}`);
  if (client.businessId !== auth.businessId) return reject(`Client ${clientId} belongs to another business`);
  const pkg = store.packagesById.get(packageId);
  if (!pkg) return reject(`Package not found: ${packageId}`);
  if (pkg.businessId !== auth.businessId) return reject(`Package ${packageId} belongs to another business`);
  if (!pkg.active) return reject(`Package ${packageId} (${pkg.name}) is inactive`);
  if (conversationId !== undefined && !client.conversations.includes(conversationId)) {
    return reject(`Conversation ${conversationId} not found for client ${clientId}`);
  }

  const validUntil =
    validUntilText ?? (pkg.expiration ? formatDay(addExpiration(validFrom, pkg.expiration.amount, pkg.expiration.unit)) : null);
  const record = store.commit(
    { client, pkg, amount: amount ?? pkg.price, validFrom: validFromText, validUntil, conversationId },
    body,
  );
  return { status: 201, record };
}
