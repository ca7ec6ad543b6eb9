// The three GET endpoints: search, scoping to the token's business, pagination, string numbers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { call, CLIENTS, clientPackagesPath, DIRECTORY, fixtureData, PACKAGES } from './helpers.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, data: fixtureData() });
});
afterAll(() => sandbox.close());

const clients = (query: string, token?: string) => call(`${sandbox.mainUrl}${CLIENTS}?${query}`, { token });

describe('GET /platform/v1/clients', () => {
  it('finds a client by email ignoring case, with the documented fields', async () => {
    const reply = await clients('search_term=BOB%40example.COM&search_by=email');
    expect(reply.status).toBe(200);
    expect(reply.json.status).toBe('OK');
    expect(reply.json.data.clients).toHaveLength(1);
    const [bob] = reply.json.data.clients;
    expect(bob).toMatchObject({ id: 'cl_bob', email: 'Bob@Example.com', first_name: 'Bob', last_name: 'Stone' });
    expect(typeof bob.created_at).toBe('string');
    expect(typeof bob.updated_at).toBe('string');
  });

  it('answers every client sharing an email', async () => {
    const reply = await clients('search_term=kim%40example.com&search_by=email');
    expect(reply.json.data.clients.map((c: { id: string }) => c.id)).toEqual(['cl_kim1', 'cl_kim2']);
  });

  it("never answers another business's client, even with the same email", async () => {
    const reply = await clients('search_term=ann%40example.com&search_by=email');
    expect(reply.json.data.clients.map((c: { id: string }) => c.id)).toEqual(['cl_ann']);
    expect((await clients('search_term=cl_zed&search_by=uid')).json.data.clients).toEqual([]);
  });

  it('finds a client by uid and answers an empty list for an unknown one', async () => {
    expect((await clients('search_term=cl_ann&search_by=uid')).json.data.clients[0].id).toBe('cl_ann');
    expect((await clients('search_term=nobody%40example.com&search_by=email')).json.data.clients).toEqual([]);
  });

  it('answers a directory token too: it may read', async () => {
    expect((await clients('search_term=cl_ann&search_by=uid', DIRECTORY)).status).toBe(200);
  });

  it('pages through all clients, 25 by default', async () => {
    const first = await clients('');
    expect(first.json.data.clients).toHaveLength(25);
    expect(first.json.data.pagination).toEqual({ page: 1, per_page: 25, total: 64, total_pages: 3 });
    const third = await clients('page=3');
    expect(third.json.data.clients).toHaveLength(14);
    expect((await clients('page=4')).json.data.clients).toEqual([]);
  });

  it('clamps per_page to 50', async () => {
    const reply = await clients('per_page=500');
    expect(reply.json.data.clients).toHaveLength(50);
    expect(reply.json.data.pagination.per_page).toBe(50);
  });

  it('refuses a bad search_by or page with 422 in the success:false envelope', async () => {
    const bad = await clients('search_term=x&search_by=phone');
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({ success: false, errors: [{ code: 'invalid_parameter', message: expect.stringContaining('search_by') }] });
    expect((await clients('page=0')).status).toBe(422);
    expect((await clients('per_page=abc')).status).toBe(422);
  });
});

describe('GET /platform/v1/payment/packages', () => {
  it("lists the business's packages, prices and counts as strings, some flags as strings", async () => {
    const reply = await call(`${sandbox.fallbackUrl}${PACKAGES}?include_items=true`);
    expect(reply.status).toBe(200);
    const packages: Array<Record<string, unknown>> = reply.json.data.packages;
    expect(packages.map((p) => p.id)).not.toContain('pk_foreign');
    expect(packages).toHaveLength(8);
    const gold = packages.find((p) => p.id === 'pk_gold');
    expect(gold).toMatchObject({ name: 'Gold Monthly', price: '129.00', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm', total_bookings: '38' });
    expect(gold?.products).toEqual([
      { id: 'pd_gym', name: 'Gym access', bookings: '30' },
      { id: 'pd_class', name: 'Group classes', bookings: '8' },
    ]);
    expect(packages.find((p) => p.id === 'pk_week')).toMatchObject({ price: '20', active: 'true', expiration_unit: 'W' });
    expect(packages.find((p) => p.id === 'pk_off')?.active).toBe(false);
  });

  it('pages only when asked to', async () => {
    const reply = await call(`${sandbox.fallbackUrl}${PACKAGES}?page=2&per_page=3`);
    expect(reply.json.data.packages.map((p: { id: string }) => p.id)).toEqual(['pk_year', 'pk_quarter', 'pk_open']);
    expect(reply.json.data.pagination).toEqual({ page: 2, per_page: 3, total: 8, total_pages: 3 });
  });
});

describe('GET /platform/v1/clients/{client_id}/payment/client_packages', () => {
  it('answers the existing packages as the create answers them', async () => {
    const reply = await call(`${sandbox.mainUrl}${clientPackagesPath('cl_ann')}`);
    expect(reply.status).toBe(200);
    expect(reply.json.data.client_packages).toHaveLength(1);
    expect(reply.json.data.client_packages[0]).toMatchObject({
      id: 'cp_seed',
      client_id: 'cl_ann',
      package_id: 'pk_gold',
      valid_from: '2026-01-01',
      valid_until: '2026-02-01',
      amount: '129',
      currency: 'USD',
      name: 'Gold Monthly',
      total_bookings: '38',
    });
  });

  it('pages 25 by default, at most 50', async () => {
    const local = await startSandbox({ data: fixtureData() });
    try {
      for (let i = 0; i < 60; i++) {
        const day = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
        const made = await call(`${local.fallbackUrl}/platform/v1/payment/client_packages`, { body: { client_id: 'cl_p01', package_id: 'pk_days', valid_from: day } });
        expect(made.status).toBe(201);
      }
      const path = `${local.mainUrl}${clientPackagesPath('cl_p01')}`;
      expect((await call(path)).json.data.client_packages).toHaveLength(25);
      const clamped = await call(`${path}?per_page=100`);
      expect(clamped.json.data.client_packages).toHaveLength(50);
      const last = await call(`${path}?per_page=50&page=2`);
      expect(last.json.data.client_packages.map((p: { valid_from: string }) => p.valid_from).at(-1)).toBe('2026-03-01');
    } finally {
      await local.close();
    }
  });

  it("answers 404 for an unknown client or another business's client", async () => {
    for (const id of ['cl_nobody', 'cl_zed']) {
      const reply = await call(`${sandbox.mainUrl}${clientPackagesPath(id)}`);
      expect(reply.status).toBe(404);
      expect(reply.json.success).toBe(false);
      expect(reply.json.errors[0].code).toBe('not_found');
    }
  });
});
