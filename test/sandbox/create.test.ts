// POST /platform/v1/payment/client_packages: the 201 answer, the defaults, and every 422 rule.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { call, clientPackagesPath, CREATE, createBody, DIRECTORY, fixtureData } from './helpers.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, data: fixtureData() });
});
afterAll(() => sandbox.close());

const create = (body: Record<string, unknown>, token?: string) => call(`${sandbox.fallbackUrl}${CREATE}`, { body, token });
const createOk = async (body: Record<string, unknown>) => {
  const reply = await create(body);
  expect(reply.status, JSON.stringify(reply.json)).toBe(201);
  return reply.json.data.client_package;
};

describe('the 201 answer', () => {
  it('holds every field the contract lists', async () => {
    const reply = await create(createBody({ client_id: 'cl_p02', price: 100.5, valid_until: '2026-03-31' }));
    expect(reply.status).toBe(201);
    expect(reply.json.status).toBe('OK');
    const made = reply.json.data.client_package;
    expect(made).toMatchObject({
      client_id: 'cl_p02',
      package_id: 'pk_gold',
      business_id: 'bz_test',
      name: 'Gold Monthly',
      amount: '100.5',
      currency: 'USD',
      valid_from: '2026-03-01',
      valid_until: '2026-03-31',
      active: true,
      payment_status_state: 'overdue',
      total_bookings: '38',
      bookings_usage: '0',
    });
    expect(made.id).toMatch(/^cp_/);
    expect(made.conversation_id).toMatch(/^cv_/);
    expect(made.payment_status_id).toEqual(expect.any(String));
    expect(Number.isNaN(Date.parse(made.created_at))).toBe(false);
    expect(made.products).toEqual([{ id: 'pd_gym', name: 'Gym access' }, { id: 'pd_class', name: 'Group classes' }]);
    expect(made.booking_credits).toHaveLength(2);
    expect(made.booking_credits[0]).toMatchObject({ product_id: 'pd_gym', total: '30', used: '0' });
  });

  it('is read back by the client packages endpoint, and posting it twice makes two (not idempotent)', async () => {
    const body = createBody({ client_id: 'cl_p03', valid_from: '2026-05-05' });
    const first = await createOk(body);
    const second = await createOk(body);
    expect(second.id).not.toBe(first.id);
    const listed = await call(`${sandbox.mainUrl}${clientPackagesPath('cl_p03')}`);
    expect(listed.json.data.client_packages.map((p: { id: string }) => p.id)).toEqual([first.id, second.id]);
    expect(sandbox.inspect.duplicates()).toContainEqual({ clientId: 'cl_p03', packageId: 'pk_gold', validFrom: '2026-05-05', count: 2 });
  });
});

describe('defaults', () => {
  it.each([
    ['pk_days', '2026-03-25', '2026-04-04'], // 10 D
    ['pk_week', '2026-12-25', '2027-01-08'], // 2 W
    ['pk_gold', '2026-01-31', '2026-02-28'], // 1 m, clamped to the month's end
    ['pk_gold', '2024-01-31', '2024-02-29'], // leap year
    ['pk_quarter', '2026-11-30', '2027-02-28'], // 3 M
    ['pk_year', '2024-02-29', '2025-02-28'], // 1 Y from a leap day
  ])('valid_until = valid_from + the package expiration (%s from %s)', async (packageId, validFrom, validUntil) => {
    const made = await createOk({ client_id: 'cl_p04', package_id: packageId, valid_from: validFrom });
    expect(made.valid_until).toBe(validUntil);
  });

  it('valid_until is null for a package without an expiration', async () => {
    expect((await createOk({ client_id: 'cl_p04', package_id: 'pk_open', valid_from: '2026-01-01' })).valid_until).toBeNull();
  });

  it("price defaults to the package's, and a numeric string is read as a number", async () => {
    expect((await createOk(createBody({ client_id: 'cl_p05' }))).amount).toBe('129');
    expect((await createOk(createBody({ client_id: 'cl_p05', valid_from: '2026-03-02', price: '223.50' }))).amount).toBe('223.5');
    expect((await createOk(createBody({ client_id: 'cl_p05', valid_from: '2026-03-03', price: 0 }))).amount).toBe('0');
    expect((await createOk({ client_id: 'cl_p05', package_id: 'pk_eur', valid_from: '2026-03-01' })).currency).toBe('EUR');
  });

  it('creates the default conversation on first need and reuses it', async () => {
    const first = await createOk(createBody({ client_id: 'cl_p06', valid_from: '2026-04-01' }));
    const second = await createOk(createBody({ client_id: 'cl_p06', valid_from: '2026-05-01' }));
    expect(first.conversation_id).toMatch(/^cv_/);
    expect(second.conversation_id).toBe(first.conversation_id);
    const other = await createOk(createBody({ client_id: 'cl_p07', valid_from: '2026-04-01' }));
    expect(other.conversation_id).not.toBe(first.conversation_id);
  });

  it("uses the client's existing default conversation, or the one given", async () => {
    expect((await createOk(createBody({ client_id: 'cl_ann' }))).conversation_id).toBe('cv_ann_1');
    expect((await createOk(createBody({ client_id: 'cl_ann', valid_from: '2026-03-02', conversation_id: 'cv_ann_1' }))).conversation_id).toBe('cv_ann_1');
  });
});

describe('422 rules, each with its own message', () => {
  it.each([
    ['a missing client_id', { client_id: undefined }, 'client_id is required'],
    ['a missing package_id', { package_id: '' }, 'package_id is required'],
    ['a missing valid_from', { valid_from: null }, 'valid_from is required'],
    ['several missing fields', { client_id: undefined, valid_from: undefined }, 'client_id, valid_from are required'],
    ['a client_id that is not a string', { client_id: 42 }, 'client_id must be a string'],
    ['a valid_from not written YYYY-MM-DD', { valid_from: '01/03/2026' }, 'valid_from must be a real day written YYYY-MM-DD, got "01/03/2026"'],
    ['a valid_from that is no real day', { valid_from: '2025-02-29' }, 'valid_from must be a real day written YYYY-MM-DD, got "2025-02-29"'],
    ['a valid_until that is no real day', { valid_until: '2026-04-31' }, 'valid_until must be a real day written YYYY-MM-DD, got "2026-04-31"'],
    ['a valid_until with a time', { valid_until: '2026-04-01T00:00:00Z' }, 'valid_until must be a real day'],
    ['valid_until before valid_from', { valid_until: '2026-02-28' }, 'valid_until (2026-02-28) is before valid_from (2026-03-01)'],
    ['an unknown client', { client_id: 'cl_nobody' }, 'Client not found: cl_nobody'],
    ["another business's client", { client_id: 'cl_zed' }, 'Client cl_zed belongs to another business'],
    ['an unknown package', { package_id: 'pk_nothing' }, 'Package not found: pk_nothing'],
    ["another business's package", { package_id: 'pk_foreign' }, 'Package pk_foreign belongs to another business'],
    ['an inactive package', { package_id: 'pk_off' }, 'Package pk_off (Summer Special) is inactive'],
    ['a negative price', { price: -5 }, 'price must not be negative, got -5'],
    ['a negative price as text', { price: '-0.01' }, 'price must not be negative'],
    ['a price that is not a number', { price: 'free' }, 'price must be a number, got "free"'],
    ['a price that is a boolean', { price: true }, 'price must be a number, got true'],
    ['an unknown conversation', { conversation_id: 'cv_nope' }, 'Conversation cv_nope not found for client cl_bob'],
  ])('refuses %s', async (_what, overrides, message) => {
    const before = sandbox.inspect.created().length;
    const reply = await create(createBody(overrides));
    expect(reply.status).toBe(422);
    expect(reply.json.status).toBe('Error');
    expect(reply.json.error).toContain(message);
    expect(sandbox.inspect.created()).toHaveLength(before);
  });

  it('refuses a directory token with 422 Unauthorized (not 401)', async () => {
    const reply = await create(createBody(), DIRECTORY);
    expect(reply.status).toBe(422);
    expect(reply.json).toEqual({ status: 'Error', error: 'Unauthorized' });
  });

  it('accepts valid_until equal to valid_from', async () => {
    expect((await createOk(createBody({ client_id: 'cl_p08', valid_until: '2026-03-01' }))).valid_until).toBe('2026-03-01');
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['a scheme other than Bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['Bearer with no token', { authorization: 'Bearer ' }],
    ['an unknown token', { authorization: 'Bearer not-a-token' }],
  ])('answers 401 for %s, on every endpoint', async (_what, headers) => {
    for (const [url, body] of [
      [`${sandbox.mainUrl}/platform/v1/clients`, undefined],
      [`${sandbox.fallbackUrl}/platform/v1/payment/packages`, undefined],
      [`${sandbox.mainUrl}${clientPackagesPath('cl_ann')}`, undefined],
      [`${sandbox.fallbackUrl}${CREATE}`, createBody({ client_id: 'cl_p09' })],
    ] as const) {
      const reply = await call(url, { token: null, headers, body });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({ status: 'Error', error: 'Unauthorized' });
    }
    expect(sandbox.inspect.clientPackages('cl_p09')).toEqual([]);
  });
});
