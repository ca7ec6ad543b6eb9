// What the sandbox shows that the real API does not: in-process through sandbox.inspect, and over
// HTTP under /__sandbox/ for a sandbox running in another process.

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { call, CLIENTS, clientPackagesPath, CREATE, createBody, fixtureData } from './helpers.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, data: fixtureData(), seed: 5 });
});
afterAll(() => sandbox.close());

const inspectGet = async (path: string) => {
  const res = await request(`${sandbox.mainUrl}/__sandbox/${path}`);
  return { status: res.statusCode, json: (await res.body.json()) as any };
};

describe('sandbox.inspect', () => {
  it('records each create in order, with the body received and the answer sent', async () => {
    const body = createBody({ client_id: 'cl_p20', price: '15' });
    const reply = await call(`${sandbox.fallbackUrl}${CREATE}`, { body });
    const [record] = sandbox.inspect.created().filter((r) => r.clientPackage.client_id === 'cl_p20');
    expect(record?.body).toEqual(body);
    expect(record?.response).toEqual({ status: 201, body: reply.json });
    expect(record?.clientPackage.id).toBe(reply.json.data.client_package.id);
    expect(record?.seq).toBeGreaterThan(0);
  });

  it('hands out copies: editing them changes nothing', async () => {
    const before = sandbox.inspect.created();
    before.pop();
    (sandbox.inspect.clientPackages('cl_ann')[0] as { valid_from: string }).valid_from = '1999-01-01';
    expect(sandbox.inspect.created()).toHaveLength(before.length + 1);
    expect((sandbox.inspect.clientPackages('cl_ann')[0] as { valid_from: string }).valid_from).toBe('2026-01-01');
  });

  it('counts a seed package as one existing: creating it again is a duplicate', async () => {
    expect(sandbox.inspect.duplicates().filter((d) => d.clientId === 'cl_ann')).toEqual([]);
    await call(`${sandbox.fallbackUrl}${CREATE}`, { body: { client_id: 'cl_ann', package_id: 'pk_gold', valid_from: '2026-01-01' } });
    expect(sandbox.inspect.duplicates()).toContainEqual({ clientId: 'cl_ann', packageId: 'pk_gold', validFrom: '2026-01-01', count: 2 });
  });

  it('counts requests by route and status', async () => {
    const before = sandbox.inspect.requests();
    await call(`${sandbox.mainUrl}${CLIENTS}`);
    await call(`${sandbox.mainUrl}${CLIENTS}`, { token: 'wrong' });
    await call(`${sandbox.mainUrl}/nowhere`);
    const after = sandbox.inspect.requests();
    expect(after.total - before.total).toBe(3);
    const clients = after.byRoute[`GET ${CLIENTS}`] ?? {};
    expect(clients['200']).toBe((before.byRoute[`GET ${CLIENTS}`]?.['200'] ?? 0) + 1);
    expect(clients['401']).toBe((before.byRoute[`GET ${CLIENTS}`]?.['401'] ?? 0) + 1);
    expect(after.byRoute.unmatched?.['404']).toBeGreaterThanOrEqual(1);
  });
});

describe('over HTTP under /__sandbox/', () => {
  it('lists what it offers', async () => {
    const index = await inspectGet('');
    expect(index.status).toBe(200);
    expect(Object.keys(index.json)).toEqual(['created', 'duplicates', 'stats', 'faults', 'client_packages']);
  });

  it('answers created, duplicates, stats and a client\'s packages, without a token and without being counted', async () => {
    const before = sandbox.inspect.requests().total;
    expect((await inspectGet('created')).json.created).toHaveLength(sandbox.inspect.created().length);
    expect((await inspectGet('duplicates')).json.duplicates).toEqual(sandbox.inspect.duplicates());
    const stats = (await inspectGet('stats')).json;
    expect(stats.total).toBe(before);
    expect(stats.seed).toBe(5);
    expect((await inspectGet('clients/cl_ann/client_packages')).json.client_packages[0].id).toBe('cp_seed');
    expect(sandbox.inspect.requests().total).toBe(before);
    expect((await inspectGet('nothing')).status).toBe(404);
  });

  it('changes the knobs on POST /__sandbox/faults, refuses bad ones, and is itself never faulted', async () => {
    const set = async (knobs: unknown) => {
      const res = await request(`${sandbox.mainUrl}/__sandbox/faults`, { method: 'POST', body: JSON.stringify(knobs) });
      return { status: res.statusCode, json: (await res.body.json()) as any };
    };
    const changed = await set({ failRate: 1, rate: 1 });
    expect(changed.status).toBe(200);
    expect(changed.json.faults).toMatchObject({ failRate: 1, rate: 1 });
    expect((await call(`${sandbox.mainUrl}${clientPackagesPath('cl_ann')}`)).status).toBe(500);
    for (let i = 0; i < 5; i++) expect((await inspectGet('stats')).status).toBe(200);
    expect((await set({ failRate: 2 })).json.error).toMatch(/failRate must be a probability/);
    expect((await set({ chaos: 1 })).json.error).toMatch(/unknown knob "chaos"/);
    expect((await set({ failRate: 0, rate: 0 })).status).toBe(200);
    expect((await call(`${sandbox.mainUrl}${CLIENTS}`)).status).toBe(200);
  });
});
