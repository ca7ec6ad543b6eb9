// The sandbox's in-memory platform: clients, packages and client packages of one data set, indexed
// so every request is a map lookup (the throughput bench runs thousands a second), plus the record
// of what was created during this server's life for the inspector.

import { randomBytes } from 'node:crypto';
import { normaliseUnit, type ExpirationUnit } from './calendar.js';
import type { SandboxData } from './data.js';
import { canonicalDecimal } from './money.js';

export type TokenKind = 'staff' | 'directory';
export interface TokenInfo {
  readonly kind: TokenKind;
  readonly businessId: string;
}

export interface ClientRecord {
  readonly id: string;
  readonly businessId: string;
  /** The client as GET /clients answers it. */
  readonly wire: Readonly<Record<string, unknown>>;
  readonly conversations: string[];
}

export interface PackageRecord {
  readonly id: string;
  readonly businessId: string;
  readonly name: string;
  readonly price: string;
  readonly currency: string;
  readonly active: boolean;
  readonly expiration?: { readonly amount: number; readonly unit: ExpirationUnit };
  readonly totalBookings: string;
  readonly products: ReadonlyArray<{ readonly id: string; readonly name: string; readonly bookings: string }>;
  /** The package as GET /payment/packages answers it: strings where the real API sends strings. */
  readonly wire: Readonly<Record<string, unknown>>;
}

/** A client package exactly as the API answers it. */
export interface ClientPackageWire {
  readonly id: string;
  readonly client_id: string;
  readonly package_id: string;
  readonly business_id: string;
  readonly conversation_id: string | null;
  readonly name: string;
  readonly amount: string;
  readonly currency: string;
  readonly valid_from: string;
  readonly valid_until: string | null;
  readonly active: boolean;
  readonly payment_status_id: string;
  readonly payment_status_state: string;
  readonly booking_credits: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly products: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly total_bookings: string;
  readonly bookings_usage: string;
  readonly created_at: string;
}

export interface CreatedRecord {
  /** 1-based, in the order the creates were committed. */
  readonly seq: number;
  readonly receivedAt: string;
  /** The request body as received (parsed JSON). */
  readonly body: unknown;
  readonly clientPackage: ClientPackageWire;
  /** The answer sent, or null when the connection was dropped after the commit (the client saw no answer). */
  response: { readonly status: number; readonly body: unknown } | null;
}

export interface NewClientPackage {
  readonly client: ClientRecord;
  readonly pkg: PackageRecord;
  readonly amount: string;
  readonly validFrom: string;
  readonly validUntil: string | null;
  readonly conversationId: string | undefined;
}

interface TripleCount {
  readonly clientId: string;
  readonly packageId: string;
  readonly validFrom: string;
  count: number;
  createdThisLife: number;
}

export class SandboxStore {
  readonly businessId: string;
  readonly tokens = new Map<string, TokenInfo>();
  readonly clientsById = new Map<string, ClientRecord>();
  readonly packagesById = new Map<string, PackageRecord>();
  /** Clients and packages of the tokens' business, in data order: what the list endpoints page through. */
  readonly businessClients: ClientRecord[] = [];
  readonly businessPackages: PackageRecord[] = [];
  readonly created: CreatedRecord[] = [];
  private readonly clientsByEmail = new Map<string, ClientRecord[]>();
  private readonly packagesByClient = new Map<string, ClientPackageWire[]>();
  private readonly triples = new Map<string, TripleCount>();
  // Ids are opaque; the nonce keeps two lives of the sandbox from reusing one.
  private readonly nonce = randomBytes(3).toString('hex');
  private sequence = 0;

  constructor(data: SandboxData) {
    this.businessId = data.business_id;
    this.tokens.set(data.tokens.staff, { kind: 'staff', businessId: data.business_id });
    this.tokens.set(data.tokens.directory, { kind: 'directory', businessId: data.business_id });
    for (const c of data.clients) {
      const businessId = c.business_id ?? data.business_id;
      const wire = {
        id: c.id,
        email: c.email,
        first_name: c.first_name,
        last_name: c.last_name,
        phone: c.phone ?? null,
        business_id: businessId,
        created_at: c.created_at,
        updated_at: c.updated_at ?? c.created_at,
      };
      const client: ClientRecord = { id: c.id, businessId, wire, conversations: [...(c.conversation_ids ?? [])] };
      this.clientsById.set(c.id, client);
      const key = c.email.toLowerCase();
      this.clientsByEmail.set(key, [...(this.clientsByEmail.get(key) ?? []), client]);
      if (businessId === data.business_id) this.businessClients.push(client);
    }
    for (const p of data.packages) {
      const pkg = toPackageRecord(p, p.business_id ?? data.business_id);
      this.packagesById.set(p.id, pkg);
      if (pkg.businessId === data.business_id) this.businessPackages.push(pkg);
    }
    for (const cp of data.client_packages ?? []) {
      const client = this.clientsById.get(cp.client_id);
      const pkg = this.packagesById.get(cp.package_id);
      if (!client || !pkg) continue; // data.ts has already refused such a file
      const amount = cp.amount === undefined ? pkg.price : (canonicalDecimal(String(cp.amount)) ?? pkg.price);
      const input = { client, pkg, amount, validFrom: cp.valid_from, validUntil: cp.valid_until ?? null, conversationId: cp.conversation_id };
      this.insert(buildClientPackage(cp.id, this.nextId('pay'), input, cp.created_at ?? '2025-01-01T00:00:00.000Z'), false);
    }
  }

  /** Clients whose email equals `term` ignoring case (several may share one). */
  clientsWithEmail(term: string): readonly ClientRecord[] {
    return this.clientsByEmail.get(term.toLowerCase()) ?? [];
  }

  clientPackagesOf(clientId: string): readonly ClientPackageWire[] {
    return this.packagesByClient.get(clientId) ?? [];
  }

  /** The client's default conversation, created the first time a create needs one. */
  defaultConversation(client: ClientRecord): string {
    const existing = client.conversations[0];
    if (existing !== undefined) return existing;
    const created = this.nextId('cv');
    client.conversations.push(created);
    return created;
  }

  commit(input: NewClientPackage, body: unknown): CreatedRecord {
    const conversationId = input.conversationId ?? this.defaultConversation(input.client);
    const wire = buildClientPackage(this.nextId('cp'), this.nextId('pay'), { ...input, conversationId }, new Date().toISOString());
    this.insert(wire, true);
    const record: CreatedRecord = {
      seq: this.created.length + 1,
      receivedAt: wire.created_at,
      body,
      clientPackage: wire,
      response: { status: 201, body: { status: 'OK', data: { client_package: wire } } },
    };
    this.created.push(record);
    return record;
  }

  /** (client, package, valid_from) triples that exist more than once, at least one created in this life. */
  duplicates(): Array<{ clientId: string; packageId: string; validFrom: string; count: number }> {
    return [...this.triples.values()]
      .filter((t) => t.count > 1 && t.createdThisLife > 0)
      .map(({ clientId, packageId, validFrom, count }) => ({ clientId, packageId, validFrom, count }));
  }

  private insert(wire: ClientPackageWire, createdThisLife: boolean): void {
    const list = this.packagesByClient.get(wire.client_id);
    if (list) list.push(wire);
    else this.packagesByClient.set(wire.client_id, [wire]);
    const key = `${wire.client_id}\u0000${wire.package_id}\u0000${wire.valid_from}`;
    let triple = this.triples.get(key);
    if (!triple) {
      triple = { clientId: wire.client_id, packageId: wire.package_id, validFrom: wire.valid_from, count: 0, createdThisLife: 0 };
      this.triples.set(key, triple);
    }
    triple.count += 1;
    if (createdThisLife) triple.createdThisLife += 1;
  }

  private nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}_${this.nonce}${this.sequence.toString(36).padStart(5, '0')}`;
  }
}

function toPackageRecord(p: SandboxData['packages'][number], businessId: string): PackageRecord {
  const products = (p.products ?? []).map((x) => ({ id: x.id, name: x.name, bookings: String(x.bookings ?? 0) }));
  const totalBookings = String(p.total_bookings ?? products.reduce((sum, x) => sum + Number(x.bookings), 0));
  const unit = p.expiration_unit ? normaliseUnit(p.expiration_unit) : undefined;
  const price = canonicalDecimal(String(p.price)) ?? '0';
  const wire = {
    id: p.id,
    name: p.name,
    // As the data writes it ("129.00" stays so): a client must compare prices as numbers.
    price: String(p.price),
    currency: p.currency,
    active: p.active,
    expiration: p.expiration ?? null,
    expiration_unit: p.expiration_unit ?? null,
    total_bookings: p.total_bookings === undefined ? totalBookings : p.total_bookings,
    products: products.map((x) => ({ id: x.id, name: x.name, bookings: x.bookings })),
    description: p.description ?? null,
    business_id: businessId,
  };
  return {
    id: p.id,
    businessId,
    name: p.name,
    price,
    currency: p.currency,
    active: p.active === true || p.active === 'true',
    ...(p.expiration && unit ? { expiration: { amount: p.expiration, unit } } : {}),
    totalBookings,
    products,
    wire,
  };
}

function buildClientPackage(id: string, paymentId: string, input: NewClientPackage, createdAt: string): ClientPackageWire {
  const { client, pkg } = input;
  return {
    id,
    client_id: client.id,
    package_id: pkg.id,
    business_id: pkg.businessId,
    conversation_id: input.conversationId ?? null,
    name: pkg.name,
    amount: input.amount,
    currency: pkg.currency,
    valid_from: input.validFrom,
    valid_until: input.validUntil,
    active: true,
    payment_status_id: paymentId,
    // The seed says a new package's payment request starts "overdue" (the public example says "pending").
    payment_status_state: 'overdue',
    booking_credits: pkg.products.map((product, i) => ({
      id: `${id}_bc${i + 1}`,
      product_id: product.id,
      product_name: product.name,
      total: product.bookings,
      used: '0',
      valid_from: input.validFrom,
      valid_until: input.validUntil,
    })),
    products: pkg.products.map((product) => ({ id: product.id, name: product.name })),
    total_bookings: pkg.totalBookings,
    bookings_usage: '0',
    created_at: createdAt,
  };
}
