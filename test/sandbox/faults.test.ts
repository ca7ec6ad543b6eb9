// The fault knobs, checked for their statistics over a few hundred requests with fixed seeds:
// the numbers are deterministic for a seed, the tolerances say what the knob promises.

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { call, CLIENTS, CREATE, createBody, fixtureData } from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions): Promise<Sandbox> {
  sandbox = await startSandbox({ port: 0, data: fixtureData(), ...options });
  return sandbox;
}

/** The i-th distinct day from 2026-01-01, so no two creates of a run share a valid_from. */
const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);

/** Posts creates one at a time; a dropped connection is reported as 'dropped'. */
async function createSequence(s: Sandbox, count: number): Promise<Array<number | 'dropped'>> {
  const outcomes: Array<number | 'dropped'> = [];
  for (let i = 0; i < count; i++) {
    try {
      outcomes.push((await call(`${s.fallbackUrl}${CREATE}`, { body: createBody({ valid_from: day(i) }) })).status);
    } catch {
      outcomes.push('dropped');
    }
  }
  return outcomes;
}

const share = (values: unknown[], value: unknown) => values.filter((v) => v === value).length / values.length;

describe('failRate', () => {
  it('answers about that share of requests with 500, on any endpoint, before acting', async () => {
    const s = await start({ failRate: 0.3, seed: 42 });
    const replies = [];
    for (let i = 0; i < 300; i++) replies.push(await call(`${s.mainUrl}${CLIENTS}?per_page=1`));
    const reads = replies.map((r) => r.status);
    expect(share(reads, 500)).toBeGreaterThan(0.24);
    expect(share(reads, 500)).toBeLessThan(0.36);
    expect(replies.find((r) => r.status === 500)?.json).toEqual({ status: 'Error', error: 'Internal server error' });

    const creates = await createSequence(s, 200);
    expect(share(creates, 500)).toBeGreaterThan(0.22);
    expect(share(creates, 500)).toBeLessThan(0.38);
    // "Before acting": a 500 never leaves a package behind.
    expect(s.inspect.created()).toHaveLength(creates.filter((c) => c === 201).length);
  });
});

describe('dropBefore', () => {
  it('destroys about that share of create sockets and creates nothing for them', async () => {
    const s = await start({ dropBefore: 0.25, seed: 7 });
    const outcomes = await createSequence(s, 300);
    expect(share(outcomes, 'dropped')).toBeGreaterThan(0.19);
    expect(share(outcomes, 'dropped')).toBeLessThan(0.31);
    expect(s.inspect.created()).toHaveLength(outcomes.filter((o) => o === 201).length);
    expect(s.inspect.requests().byRoute[`POST ${CREATE}`]?.dropped).toBe(outcomes.filter((o) => o === 'dropped').length);
  });
});

describe('dropAfter', () => {
  it('commits the create, then destroys the socket: the client sees an error, the package exists', async () => {
    const s = await start({ dropAfter: 0.25, seed: 11 });
    const outcomes = await createSequence(s, 300);
    const dropped = outcomes.flatMap((o, i) => (o === 'dropped' ? [day(i)] : []));
    expect(dropped.length / outcomes.length).toBeGreaterThan(0.19);
    expect(dropped.length / outcomes.length).toBeLessThan(0.31);
    const created = s.inspect.created();
    expect(created).toHaveLength(300);
    const unanswered = created.filter((r) => r.response === null).map((r) => r.clientPackage.valid_from);
    expect(unanswered).toEqual(dropped);
    const readBack = (s.inspect.clientPackages('cl_bob') as Array<{ valid_from: string }>).map((p) => p.valid_from);
    for (const validFrom of dropped) expect(readBack).toContain(validFrom);
  });

  it('never drops a create it refused', async () => {
    const s = await start({ dropAfter: 1, seed: 1 });
    const reply = await call(`${s.fallbackUrl}${CREATE}`, { body: createBody({ package_id: 'pk_off' }) });
    expect(reply.status).toBe(422);
  });
});

describe('lateCommit', () => {
  it('answers about that share of creates with a gateway 504 at once, and makes each of those packages lateCommitMs later', async () => {
    const s = await start({ lateCommit: 0.25, lateCommitMs: 300, seed: 13 });
    const outcomes = await createSequence(s, 200);
    const late = outcomes.flatMap((o, i) => (o === 504 ? [day(i)] : []));
    expect(late.length / outcomes.length).toBeGreaterThan(0.19);
    expect(late.length / outcomes.length).toBeLessThan(0.31);
    const made = () => (s.inspect.clientPackages('cl_bob') as Array<{ valid_from: string }>).map((p) => p.valid_from);
    const answered = outcomes.filter((o) => o === 201).length;
    // The last 504 was answered moments ago: its package is not there yet.
    expect(made()).not.toContain(late.at(-1));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(made()).toEqual(expect.arrayContaining(late));
    expect(s.inspect.created()).toHaveLength(answered + late.length);
    expect(s.inspect.duplicates()).toEqual([]);
  });

  it('answers in the gateway\'s shape, not the platform\'s', async () => {
    const s = await start({ lateCommit: 1, seed: 1 });
    const reply = await call(`${s.fallbackUrl}${CREATE}`, { body: createBody() });
    expect(reply.status).toBe(504);
    expect(reply.json).toMatchObject({ success: false, errors: [{ code: 'gateway_timeout' }] });
  });
});

describe('seed', () => {
  async function faultSequence(seed: number): Promise<Array<number | 'dropped'>> {
    const s = await startSandbox({ data: fixtureData(), failRate: 0.2, dropBefore: 0.1, dropAfter: 0.1, seed });
    try {
      return await createSequence(s, 120);
    } finally {
      await s.close();
    }
  }

  it('gives the same fault sequence for the same seed, another for another seed', async () => {
    const first = await faultSequence(2026);
    expect(await faultSequence(2026)).toEqual(first);
    expect(await faultSequence(2027)).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([201, 500, 'dropped']));
  });

  it('reports a random seed when none is given', async () => {
    const s = await start({});
    expect(Number.isInteger(s.seed)).toBe(true);
  });
});

describe('rate', () => {
  it('answers a burst over the rate with 429 Too many requests and Retry-After >= 1', async () => {
    const s = await start({ rate: 10 });
    const replies = await Promise.all(Array.from({ length: 30 }, () => call(`${s.mainUrl}${CLIENTS}?per_page=1`)));
    const limited = replies.filter((r) => r.status === 429);
    // The burst (10) passes, plus what refills while 30 requests arrive on a busy machine.
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThanOrEqual(15);
    expect(limited.length + replies.filter((r) => r.status === 200).length).toBe(30);
    for (const reply of limited) {
      expect(reply.json).toEqual({ status: 'Error', error: 'Too many requests' });
      expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(Number(reply.headers['retry-after']))).toBe(true);
    }
  });

  it('lets a steady client under the rate through with no 429', async () => {
    const s = await start({ rate: 40 });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const sent = performance.now();
      statuses.push((await call(`${s.mainUrl}${CLIENTS}?per_page=1`)).status);
      await new Promise((r) => setTimeout(r, Math.max(0, 40 - (performance.now() - sent)))); // 25 requests a second
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it('counts each token on its own', async () => {
    const s = await start({ rate: 2 });
    for (let i = 0; i < 2; i++) expect((await call(`${s.mainUrl}${CLIENTS}`)).status).toBe(200);
    expect((await call(`${s.mainUrl}${CLIENTS}`)).status).toBe(429);
    expect((await call(`${s.mainUrl}${CLIENTS}`, { token: s.tokens.directory })).status).toBe(200);
  });
});

describe('latency and setFaults', () => {
  it('adds the latency before every answer, and setFaults changes the knobs live', async () => {
    const s = await start({ latencyMs: 400 });
    let started = performance.now();
    await call(`${s.mainUrl}${CLIENTS}`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    s.inspect.setFaults({ latencyMs: 0, failRate: 1 });
    started = performance.now();
    expect((await call(`${s.mainUrl}${CLIENTS}`)).status).toBe(500);
    expect(performance.now() - started).toBeLessThan(300);
  });

  it('counts the latency from the request\'s arrival: a slow upload is not waited for twice', async () => {
    const s = await start({ latencyMs: 400 });
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${s.fallbackUrl}${CREATE}`, { method: 'POST', headers: { authorization: `Bearer ${s.tokens.staff}`, 'content-type': 'application/json' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"client_id":');
      setTimeout(() => req.end('"nobody"}'), 250);
    });
    const elapsed = performance.now() - started;
    expect(status).toBe(422);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(250 + 400 - 50);
  });

  it('refuses a knob out of range with a message naming it', async () => {
    const s = await start({});
    expect(() => s.inspect.setFaults({ failRate: 1.5 })).toThrow(/failRate must be a probability between 0 and 1/);
    await expect(startSandbox({ dropAfter: -0.1, data: fixtureData() })).rejects.toThrow(/dropAfter/);
    await expect(startSandbox({ rate: Number.NaN, data: fixtureData() })).rejects.toThrow(/rate/);
    await expect(startSandbox({ port: 70_000, data: fixtureData() })).rejects.toThrow(/port/);
  });
});
