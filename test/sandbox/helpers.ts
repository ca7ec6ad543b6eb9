// A small data set whose every id the tests know, and an undici client for the sandbox's API.

import { request } from 'undici';
import type { SandboxData } from '../../src/sandbox/server.js';

export const STAFF = 'staff-token';
export const DIRECTORY = 'directory-token';

export function fixtureData(): SandboxData {
  const people = Array.from({ length: 60 }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return { id: `cl_p${n}`, email: `person${n}@example.com`, first_name: `Person`, last_name: `Number ${n}`, created_at: '2024-01-01T00:00:00Z' };
  });
  const products = [
    { id: 'pd_gym', name: 'Gym access', bookings: 30 },
    { id: 'pd_class', name: 'Group classes', bookings: '8' },
  ];
  return {
    business_id: 'bz_test',
    tokens: { staff: STAFF, directory: DIRECTORY },
    clients: [
      { id: 'cl_ann', email: 'ann@example.com', first_name: 'Ann', last_name: 'Lefèvre', created_at: '2024-01-01T00:00:00Z', conversation_ids: ['cv_ann_1'] },
      { id: 'cl_bob', email: 'Bob@Example.com', first_name: 'Bob', last_name: 'Stone', created_at: '2024-01-01T00:00:00Z' },
      { id: 'cl_kim1', email: 'kim@example.com', first_name: 'Kim', last_name: 'Lee', created_at: '2024-01-01T00:00:00Z' },
      { id: 'cl_kim2', email: 'KIM@example.com', first_name: 'Kim', last_name: 'Park', created_at: '2024-01-01T00:00:00Z' },
      { id: 'cl_zed', business_id: 'bz_other', email: 'ann@example.com', first_name: 'Zed', last_name: 'Other', created_at: '2024-01-01T00:00:00Z' },
      ...people,
    ],
    packages: [
      { id: 'pk_gold', name: 'Gold Monthly', price: '129.00', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm', total_bookings: '38', products },
      { id: 'pk_week', name: 'Two Weeks', price: 20, currency: 'USD', active: 'true', expiration: 2, expiration_unit: 'W' },
      { id: 'pk_days', name: 'Ten Days', price: '35', currency: 'USD', active: true, expiration: 10, expiration_unit: 'D' },
      { id: 'pk_year', name: 'Annual', price: '1200', currency: 'USD', active: true, expiration: 1, expiration_unit: 'Y' },
      { id: 'pk_quarter', name: 'Quarter', price: '300', currency: 'USD', active: true, expiration: 3, expiration_unit: 'M' },
      { id: 'pk_open', name: 'Open Ended', price: '10', currency: 'USD', active: true },
      { id: 'pk_eur', name: 'Berlin Monthly', price: '79.00', currency: 'EUR', active: true, expiration: 1, expiration_unit: 'm' },
      { id: 'pk_off', name: 'Summer Special', price: '99', currency: 'USD', active: false, expiration: 3, expiration_unit: 'm' },
      { id: 'pk_foreign', business_id: 'bz_other', name: 'Harbor Monthly', price: '50', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm' },
    ],
    client_packages: [{ id: 'cp_seed', client_id: 'cl_ann', package_id: 'pk_gold', valid_from: '2026-01-01', valid_until: '2026-02-01' }],
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; loosely typed because each test checks the fields it is about. */
  json: any;
}

export async function call(
  url: string,
  options: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; token?: string | null; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? STAFF}`;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

export const CLIENTS = '/platform/v1/clients';
export const PACKAGES = '/platform/v1/payment/packages';
export const CREATE = '/platform/v1/payment/client_packages';
export const clientPackagesPath = (clientId: string) => `/platform/v1/clients/${encodeURIComponent(clientId)}/payment/client_packages`;

/** A create body for a client and package that pass every rule, with overrides. */
export function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_id: 'cl_bob', package_id: 'pk_gold', valid_from: '2026-03-01', ...overrides };
}
