// An in-memory platform for unit tests of the executor: a store of client packages and scripted
// create faults. Integration tests use the real sandbox instead.
import type { Client, ClientPackage, CreateBody, CreateResult, Package } from '../../src/execute/api-types.js';

export type CreateFault = 'ok' | 'drop-before' | 'drop-after' | '500-before' | '500-after' | '422';

export class FakePlatform {
  readonly created: ClientPackage[] = [];
  readonly posts: CreateBody[] = [];
  readonly reads: string[] = [];
  private nextId = 1;
  /** Faults for the next creates, in order; 'ok' once they run out. */
  faults: CreateFault[] = [];
  /** When set, reading a client's packages fails this many times. */
  failReads = 0;

  constructor(
    readonly clients: Client[],
    readonly packages: Package[],
    readonly existing: ClientPackage[] = [],
  ) {}

  async searchClientsByEmail(email: string): Promise<Client[]> {
    return this.clients.filter((c) => c.email.toLowerCase() === email.toLowerCase());
  }

  async listClientPackages(clientId: string): Promise<ClientPackage[]> {
    this.reads.push(clientId);
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error('read failed (503)');
    }
    return [...this.existing, ...this.created].filter((p) => p.clientId === clientId);
  }

  async createClientPackage(body: CreateBody): Promise<CreateResult> {
    this.posts.push(body);
    const fault = this.faults.shift() ?? 'ok';
    if (fault === 'drop-before') return { kind: 'unknown', message: 'socket closed before an answer', finished: false };
    if (fault === '500-before') return { kind: 'unknown', httpStatus: 500, message: 'internal error', finished: true };
    if (fault === '422') return { kind: 'rejected', httpStatus: 422, message: 'package inactive' };
    const made: ClientPackage = {
      id: `cp_${this.nextId++}`,
      clientId: body.client_id,
      packageId: body.package_id,
      validFrom: body.valid_from,
      ...(body.valid_until !== undefined && { validUntil: body.valid_until }),
      amount: String(body.price ?? this.packages.find((p) => p.id === body.package_id)?.price ?? '0'),
      currency: 'USD',
    };
    this.created.push(made);
    if (fault === 'drop-after') return { kind: 'unknown', message: 'socket closed before an answer', finished: false };
    if (fault === '500-after') return { kind: 'unknown', httpStatus: 500, message: 'internal error', finished: true };
    return { kind: 'created', clientPackage: made, httpStatus: 201 };
  }

  /** (client, package, valid_from) created more than once. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const p of [...this.existing, ...this.created]) {
      const key = `${p.clientId}|${p.packageId}|${p.validFrom}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  }
}

export const CLIENTS: Client[] = [
  { id: 'cl_ann', email: 'ann@example.com' },
  { id: 'cl_bob', email: 'bob@example.com' },
  { id: 'cl_twin1', email: 'twin@example.com' },
  { id: 'cl_twin2', email: 'twin@example.com' },
];

export const PACKAGES: Package[] = [
  { id: 'pk_gold', name: 'Gold 10 Pack', price: '120', currency: 'USD', active: true, expiration: 30, expirationUnit: 'd' },
  { id: 'pk_silver', name: 'Silver', price: '80.5', currency: 'USD', active: true, expiration: 1, expirationUnit: 'm' },
  { id: 'pk_old', name: 'Legacy Plan', price: '50', currency: 'USD', active: false },
  { id: 'pk_yoga1', name: 'Yoga', price: '60', currency: 'USD', active: true },
  { id: 'pk_yoga2', name: 'yoga', price: '65', currency: 'USD', active: true },
];
