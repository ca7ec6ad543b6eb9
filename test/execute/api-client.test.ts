import { MockAgent } from 'undici';
import { describe, expect, test, vi } from 'vitest';
import { ApiError } from '../../src/execute/api-client.js';
import { MAX_ANSWER_BYTES } from '../../src/execute/http.js';
import type { CreateBody } from '../../src/execute/api-types.js';
import { clientFor, serve, TOKEN } from './helpers/client-setup.js';
import { clientPackageRow, clientRow, drop, dropMidAnswer, failure, failures, json, ok } from './helpers/scripted-server.js';


const packageRow = (n: number, overrides: Record<string, unknown> = {}) => ({
  id: `pk_${n}`,
  name: `Package ${n}`,
  price: '10.00',
  currency: 'USD',
  active: true,
  expiration: 30,
  expiration_unit: 'd',
  total_bookings: '10',
  products: [],
  description: '',
  ...overrides,
});


const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

const body: CreateBody = { client_id: 'cl_1', package_id: 'pk_1', valid_from: '2024-03-01', price: 223.5 };

describe('reads', () => {
  test('every request carries the bearer token and asks for JSON', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ clients: [] })));
    const { client } = clientFor(server.url);
    await client.searchClientsByEmail('a@example.com');
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });

  test('searchClientsByEmail reads every page of 50 and keeps only that address, in any case', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      const rows = page === 1 ? range(1, 50).map((n) => clientRow(n, n === 7 ? 'Ann@Example.com' : 'joann@example.com')) : [clientRow(51, 'ann@example.com')];
      json(res, 200, ok({ clients: rows }));
    });
    const { client } = clientFor(server.url);
    const found = await client.searchClientsByEmail('  ann@example.COM ');
    expect(found.map((c) => c.id)).toEqual(['cl_7', 'cl_51']);
    expect(found[0]).toMatchObject({ id: 'cl_7', email: 'Ann@Example.com', firstName: 'Ann', lastName: undefined });
    expect(server.requests.map((r) => Object.fromEntries(r.query))).toEqual([
      { search_by: 'email', search_term: 'ann@example.COM', page: '1', per_page: '50' },
      { search_by: 'email', search_term: 'ann@example.COM', page: '2', per_page: '50' },
    ]);
    expect(server.requests.every((r) => r.path === '/platform/v1/clients')).toBe(true);
  });

  test('findClientsById searches by uid', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ clients: [{ ...clientRow(1), id: 42 }] })));
    const { client } = clientFor(server.url);
    expect(await client.findClientsById('42')).toEqual([expect.objectContaining({ id: '42' })]);
    expect(server.requests[0]?.query.get('search_by')).toBe('uid');
    expect(server.requests[0]?.query.get('search_term')).toBe('42');
  });

  test('an empty email is not searched (the server could list every client)', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ clients: [clientRow(1)] })));
    const { client } = clientFor(server.url);
    expect(await client.searchClientsByEmail('  ')).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  test('listPackages coerces strings and keeps prices as canonical decimal strings', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, {
        status: 'OK',
        data: {
          packages: [
            packageRow(1, { price: '223.50', active: 'true', expiration: '30', expiration_unit: 'M' }),
            packageRow(2, { price: 99.9, active: 'false', expiration: null, expiration_unit: null }),
            packageRow(3, { price: '0100', active: 1 }),
            packageRow(4, { price: 1e21, active: '0' }),
          ],
        },
      }),
    );
    const { client } = clientFor(server.url);
    const packages = await client.listPackages();
    expect(packages).toEqual([
      { id: 'pk_1', name: 'Package 1', price: '223.5', currency: 'USD', active: true, expiration: 30, expirationUnit: 'm' },
      { id: 'pk_2', name: 'Package 2', price: '99.9', currency: 'USD', active: false, expiration: undefined, expirationUnit: undefined },
      expect.objectContaining({ id: 'pk_3', price: '100', active: true }),
      expect.objectContaining({ id: 'pk_4', price: '1000000000000000000000', active: false }),
    ]);
    expect(server.requests[0]?.path).toBe('/platform/v1/payment/packages');
  });

  test('listPackages takes an unpaged answer larger than a page as the whole list', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ packages: range(1, 30).map((n) => packageRow(n)) })));
    const { client } = clientFor(server.url);
    expect(await client.listPackages()).toHaveLength(30);
    expect(server.requests).toHaveLength(1);
  });

  test('listPackages follows pages when the server pages', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      const perPage = Number(req.query.get('per_page'));
      json(res, 200, ok({ packages: range((page - 1) * perPage + 1, page < 3 ? perPage : 4).map((n) => packageRow(n)) }));
    });
    const { client } = clientFor(server.url);
    const packages = await client.listPackages();
    expect(packages.map((p) => p.id)).toEqual(range(1, 54).map((n) => `pk_${n}`));
    expect(server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  test('a server that ignores page= is read once more, then left (the same page brings nothing new)', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ packages: range(1, 25).map((n) => packageRow(n)) })));
    const { client } = clientFor(server.url);
    expect(await client.listPackages()).toHaveLength(25);
    expect(server.requests).toHaveLength(2);
  });

  test('listClientPackages reads every page of 25 from the main URL', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      const rows = range((page - 1) * 25 + 1, page < 3 ? 25 : 3).map((n) => clientPackageRow(n));
      json(res, 200, ok({ client_packages: rows }));
    });
    const { client } = clientFor(server.url);
    const packages = await client.listClientPackages('cl/1');
    expect(packages).toHaveLength(53);
    expect(packages[0]).toEqual({
      id: 'cp_1',
      clientId: 'cl_1',
      packageId: 'pk_1',
      validFrom: '2024-03-01',
      validUntil: '2024-04-01',
      name: 'Package 1',
      amount: '223.5',
      currency: 'USD',
    });
    expect(server.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      '/platform/v1/clients/cl%2F1/payment/client_packages?page=1&per_page=25',
      '/platform/v1/clients/cl%2F1/payment/client_packages?page=2&per_page=25',
      '/platform/v1/clients/cl%2F1/payment/client_packages?page=3&per_page=25',
    ]);
  });

  test('a valid_from with a time of day reads as its date', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ client_packages: [clientPackageRow(1, { valid_from: '2024-03-01T00:00:00+02:00', valid_until: null })] })));
    const { client } = clientFor(server.url);
    expect(await client.listClientPackages('cl_1')).toEqual([expect.objectContaining({ validFrom: '2024-03-01', validUntil: undefined })]);
  });

  test('an answer that does not fit is an ApiError naming the field, and is not retried', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ packages: [packageRow(1), packageRow(2, { price: 'ten' })] })));
    const { client } = clientFor(server.url);
    const error = await client.listPackages().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('unexpected answer from GET /platform/v1/payment/packages: data.packages[1].price: not a decimal number: "ten"');
    expect(server.requests).toHaveLength(1);
  });

  test('a success status with an error envelope is an error', async () => {
    const server = await serve((_req, res) => json(res, 200, failure('Business not found')));
    const { client } = clientFor(server.url);
    await expect(client.listPackages()).rejects.toMatchObject({ name: 'ApiError', message: 'Business not found', httpStatus: 200 });
  });
});

describe('read errors', () => {
  test.each([
    ['the status/error envelope', failure('search_term is required'), 'search_term is required'],
    ['the success/errors envelope', failures({ code: 'bad_param', message: 'per_page too large' }, { code: 'x', message: 'second' }), 'per_page too large (bad_param); second (x)'],
  ])('a 4xx is final, with the server message from %s', async (_what, answer, message) => {
    const server = await serve((_req, res) => json(res, 422, answer));
    const { client } = clientFor(server.url);
    await expect(client.searchClientsByEmail('a@example.com')).rejects.toMatchObject({ name: 'ApiError', message, httpStatus: 422 });
    expect(server.requests).toHaveLength(1);
  });

  test('401 is an ApiError with httpStatus 401, not retried', async () => {
    const server = await serve((_req, res) => json(res, 401, failure('Unauthorized')));
    const { client } = clientFor(server.url);
    await expect(client.listClientPackages('cl_1')).rejects.toMatchObject({ httpStatus: 401, message: 'Unauthorized' });
    expect(server.requests).toHaveLength(1);
  });

  test('a non-JSON error reads as its text, cut short', async () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(500)}</body></html>`;
    const server = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(page);
    });
    const { client } = clientFor(server.url, { retries: 0 });
    const error = (await client.listPackages().catch((e: unknown) => e)) as ApiError;
    expect(error.httpStatus).toBe(502);
    expect(error.message.startsWith('502 Bad Gateway xxx')).toBe(true);
    expect(error.message.length).toBeLessThanOrEqual(201);
  });

  test('an empty error body reads as the status', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const { client } = clientFor(server.url);
    await expect(client.listClientPackages('nobody')).rejects.toMatchObject({ httpStatus: 404, message: 'HTTP 404' });
  });

  test('a 500 is retried with backoff, then the answer is read', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length <= 2) json(res, 500, failure('internal error'));
      else json(res, 200, ok({ clients: [clientRow(1)] }));
    });
    const { client, retryWaits } = clientFor(server.url, { retries: 2 });
    expect(await client.searchClientsByEmail('c1@example.com')).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
    expect(retryWaits).toEqual([125, 250]); // full jitter with random() = 0.5
  });

  test('a 500 beyond the retries is an ApiError with the status', async () => {
    const server = await serve((_req, res) => json(res, 503, failure('maintenance')));
    const { client } = clientFor(server.url, { retries: 2 });
    await expect(client.listPackages()).rejects.toMatchObject({ httpStatus: 503, message: 'maintenance' });
    expect(server.requests).toHaveLength(3);
  });

  test('close() ends a wait before a retry: the read gives up and sends nothing more', async () => {
    const server = await serve((_req, res) => json(res, 500, failure('internal error')));
    const { client } = clientFor(server.url, { retries: 5, sleep: undefined, random: () => 1 });
    const search = client.searchClientsByEmail('c1@example.com');
    search.catch(() => undefined);
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    await client.close();
    await expect(search).rejects.toThrow(/abort/i);
    expect(server.requests).toHaveLength(1);
  });

  test('many reads waiting out a retry at once raise no listener-leak warning', async () => {
    const server = await serve((_req, res) => json(res, 500, failure('internal error')));
    const { client } = clientFor(server.url, { retries: 5, sleep: undefined, random: () => 1 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const searches = Array.from({ length: 20 }, (_, i) => client.searchClientsByEmail(`c${i}@example.com`));
      for (const search of searches) search.catch(() => undefined);
      await vi.waitFor(() => expect(server.requests).toHaveLength(20));
      await client.close();
      await Promise.allSettled(searches);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  test('a 503 with Retry-After waits that long before the retry', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) json(res, 503, failure('busy'), { 'retry-after': '7' });
      else json(res, 200, ok({ packages: [] }));
    });
    const { client, retryWaits } = clientFor(server.url);
    await client.listPackages();
    expect(retryWaits).toEqual([7000]);
  });

  test('a dropped connection on a read is retried', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) drop(res);
      else json(res, 200, ok({ packages: [packageRow(1)] }));
    });
    const { client, events } = clientFor(server.url);
    expect(await client.listPackages()).toHaveLength(1);
    expect(events[0]).toMatchObject({ method: 'GET', route: 'packages', networkError: 'UND_ERR_SOCKET' });
    expect(events[1]).toMatchObject({ method: 'GET', route: 'packages', httpStatus: 200 });
  });

  test('a connection dropped in the middle of the answer is retried', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) dropMidAnswer(res, 200);
      else json(res, 200, ok({ client_packages: [] }));
    });
    const { client } = clientFor(server.url);
    expect(await client.listClientPackages('cl_1')).toEqual([]);
    expect(server.requests).toHaveLength(2);
  });

  test('an answer larger than MAX_ANSWER_BYTES is cut off and refused as such, and the next request goes through', async () => {
    const huge = 'x'.repeat(MAX_ANSWER_BYTES + 1);
    const server = await serve((req, res) => {
      if (req.query.get('page') === '1' && server.requests.length === 1) json(res, 200, ok({ packages: [], filler: huge }));
      else json(res, 200, ok({ client_packages: [] }));
    });
    const { client } = clientFor(server.url, { retries: 0 });
    await expect(client.listPackages()).rejects.toMatchObject({
      name: 'ApiError',
      httpStatus: 200,
      message: `HTTP 200: the answer was larger than ${MAX_ANSWER_BYTES} bytes`,
    });
    // The same client goes on working for the next request.
    expect(await client.listClientPackages('cl_1')).toEqual([]);
  });

  test('an informational 1xx before the answer is passed over', async () => {
    const server = await serve((_req, res) => {
      res.writeProcessing();
      json(res, 200, ok({ packages: [packageRow(1)] }));
    });
    const { client } = clientFor(server.url);
    expect(await client.listPackages()).toEqual([expect.objectContaining({ id: 'pk_1' })]);
  });

  test('no answer after the retries is an ApiError with the network code', async () => {
    const server = await serve((_req, res) => drop(res));
    const { client } = clientFor(server.url, { retries: 1 });
    await expect(client.listPackages()).rejects.toMatchObject({
      name: 'ApiError',
      networkError: 'UND_ERR_SOCKET',
      message: 'GET /platform/v1/payment/packages: no answer: connection closed before the answer was complete (UND_ERR_SOCKET)',
    });
    expect(server.requests).toHaveLength(2);
  });
});

describe('429', () => {
  test('a 429 is waited out for Retry-After and sent again, without using a retry', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length <= 2) json(res, 429, failure('Too many requests'), { 'retry-after': '2' });
      else json(res, 200, ok({ clients: [clientRow(1)] }));
    });
    const { client, pauses, retryWaits, limiter } = clientFor(server.url, { retries: 0 });
    expect(await client.searchClientsByEmail('c1@example.com')).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
    expect(pauses()).toEqual([2000, 2000]);
    expect(retryWaits).toEqual([]);
    expect(limiter.currentRate).toBeLessThan(1000);
  });

  test('a 429 without Retry-After backs off in the limiter', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) res.writeHead(429).end('Too many requests');
      else json(res, 200, ok({ packages: [] }));
    });
    const { client, pauses } = clientFor(server.url);
    await client.listPackages();
    expect(pauses()).toEqual([1000]);
  });
});

describe('createClientPackage', () => {
  test('201: created, from one POST to the fallback URL with the body as JSON', async () => {
    const main = await serve((_req, res) => json(res, 404, failure('Not found')));
    const fallback = await serve((_req, res) => json(res, 201, ok({ client_package: clientPackageRow(9) })));
    const { client, events } = clientFor(main.url, { fallbackUrl: fallback.url });
    const result = await client.createClientPackage(body);
    expect(result).toEqual({ kind: 'created', httpStatus: 201, clientPackage: expect.objectContaining({ id: 'cp_9', amount: '223.5' }) });
    expect(main.requests).toHaveLength(0);
    expect(fallback.requests).toHaveLength(1);
    const [post] = fallback.requests;
    expect(post).toMatchObject({ method: 'POST', path: '/platform/v1/payment/client_packages' });
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post?.body ?? '')).toEqual(body);
    expect(events).toEqual([expect.objectContaining({ method: 'POST', route: 'create', httpStatus: 201 })]);
  });

  test.each([
    ['the status/error envelope', failure('Package is inactive'), 'Package is inactive'],
    ['the success/errors envelope', failures({ code: 'invalid', message: 'valid_until is before valid_from' }), 'valid_until is before valid_from (invalid)'],
  ])('422: rejected with the server message from %s, not sent again', async (_what, answer, message) => {
    const server = await serve((_req, res) => json(res, 422, answer));
    const { client } = clientFor(server.url);
    expect(await client.createClientPackage(body)).toEqual({ kind: 'rejected', httpStatus: 422, message });
    expect(server.requests).toHaveLength(1);
  });

  test('401: rejected with 401 (the caller stops the run)', async () => {
    const server = await serve((_req, res) => json(res, 401, failure('Unauthorized')));
    const { client } = clientFor(server.url);
    expect(await client.createClientPackage(body)).toEqual({ kind: 'rejected', httpStatus: 401, message: 'Unauthorized' });
  });

  test('500 from the platform itself: unknown, from exactly one POST, and the platform is done with it', async () => {
    const server = await serve((_req, res) => json(res, 500, failure('internal error')));
    const { client, retryWaits } = clientFor(server.url, { retries: 5 });
    expect(await client.createClientPackage(body)).toEqual({ kind: 'unknown', httpStatus: 500, message: 'internal error', finished: true });
    expect(server.requests).toHaveLength(1);
    expect(retryWaits).toEqual([]);
  });

  test.each([
    [502, { status: 'Error', error: 'Bad Gateway' }],
    [503, { status: 'Error', error: 'Service Unavailable' }],
    [504, { status: 'Error', error: 'Gateway Timeout' }],
    [500, { status: 'error', error: 'upstream timeout' }],
    [500, ''],
  ])('%i shaped %j: unknown, and not taken for the platform being done with it', async (status, answer) => {
    const server = await serve((_req, res) => {
      if (typeof answer === 'string') res.writeHead(status).end(answer);
      else json(res, status, answer);
    });
    const { client } = clientFor(server.url, { retries: 5 });
    expect(await client.createClientPackage(body)).toMatchObject({ kind: 'unknown', httpStatus: status, finished: false });
    expect(server.requests).toHaveLength(1);
  });

  test.each([
    [502, 'a gateway\'s error envelope', failures({ code: 'bad_gateway', message: 'upstream failed' })],
    [504, 'a gateway\'s error envelope', failures({ code: 'gateway_timeout', message: 'upstream timed out' })],
    [504, 'a proxy\'s HTML page', '<html><body>504 Gateway Time-out</body></html>'],
  ])('%i with %s: unknown, and the platform may still be creating it', async (status, _what, answer) => {
    const server = await serve((_req, res) => {
      if (typeof answer === 'string') res.writeHead(status, { 'content-type': 'text/html' }).end(answer);
      else json(res, status, answer);
    });
    const { client } = clientFor(server.url, { retries: 5 });
    expect(await client.createClientPackage(body)).toMatchObject({ kind: 'unknown', httpStatus: status, finished: false });
    expect(server.requests).toHaveLength(1);
  });

  test('connection dropped after the server read the request: unknown, exactly one POST', async () => {
    const server = await serve((_req, res) => drop(res));
    const { client } = clientFor(server.url, { retries: 5 });
    const result = await client.createClientPackage(body);
    expect(result).toEqual({ kind: 'unknown', message: 'no answer: connection closed before the answer was complete (UND_ERR_SOCKET)', finished: false });
    expect(server.requests).toHaveLength(1);
  });

  test('connection dropped in the middle of a 201: unknown, with the status that came', async () => {
    const server = await serve((_req, res) => dropMidAnswer(res, 201));
    const { client } = clientFor(server.url);
    expect(await client.createClientPackage(body)).toMatchObject({ kind: 'unknown', httpStatus: 201, finished: false });
    expect(server.requests).toHaveLength(1);
  });

  test('a 201 larger than MAX_ANSWER_BYTES: unknown (the package may exist), saying why', async () => {
    const server = await serve((_req, res) => json(res, 201, ok({ client_package: clientPackageRow(1), filler: 'x'.repeat(MAX_ANSWER_BYTES) })));
    const { client } = clientFor(server.url);
    expect(await client.createClientPackage(body)).toEqual({
      kind: 'unknown',
      httpStatus: 201,
      message: `the create answered 201 but the answer could not be read (HTTP 201: the answer was larger than ${MAX_ANSWER_BYTES} bytes)`,
      finished: false,
    });
    expect(server.requests).toHaveLength(1);
  });

  test('no answer in time: unknown, exactly one POST', async () => {
    const server = await serve((_req, res) => {
      setTimeout(() => json(res, 201, ok({ client_package: clientPackageRow(1) })), 1_000);
    });
    const { client } = clientFor(server.url, { responseTimeoutMs: 150 });
    expect(await client.createClientPackage(body)).toEqual({ kind: 'unknown', message: 'no answer: no answer in time (UND_ERR_HEADERS_TIMEOUT)', finished: false });
    expect(server.requests).toHaveLength(1);
  });

  test('a 201 whose answer cannot be read: unknown (the package may exist), not an exception', async () => {
    const server = await serve((_req, res) => json(res, 201, ok({ client_package: { id: 'cp_1' } })));
    const { client } = clientFor(server.url);
    const result = await client.createClientPackage(body);
    expect(result).toMatchObject({ kind: 'unknown', httpStatus: 201 });
    expect(result.kind === 'unknown' && result.message).toMatch(/answered 201 but the answer could not be read \(data\.client_package\.client_id/);
  });

  test('429: waited out and sent again (a 429 was not processed), then created', async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) json(res, 429, failure('Too many requests'), { 'retry-after': '3' });
      else json(res, 201, ok({ client_package: clientPackageRow(1) }));
    });
    const { client, pauses } = clientFor(server.url);
    expect(await client.createClientPackage(body)).toMatchObject({ kind: 'created' });
    expect(server.requests).toHaveLength(2);
    expect(pauses()).toEqual([3000]);
  });

  test('connection refused: unknown, and finished (nothing was sent, but the caller reads back anyway)', async () => {
    const server = await serve(() => {});
    const url = server.url;
    await server.close();
    const { client } = clientFor(url);
    expect(await client.createClientPackage(body)).toEqual({ kind: 'unknown', message: 'no answer: connection refused (ECONNREFUSED)', finished: true });
  });
});

describe('URLs and pools', () => {
  test('a path prefix is kept, and a URL that already ends in /platform/v1 is not doubled', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ packages: [], client_packages: [] })));
    const { client } = clientFor(`${server.url}/proxy/`, { fallbackUrl: `${server.url}/proxy/platform/v1` });
    await client.listPackages();
    await client.listClientPackages('cl_1');
    expect(server.requests.map((r) => r.path)).toEqual(['/proxy/platform/v1/payment/packages', '/proxy/platform/v1/clients/cl_1/payment/client_packages']);
  });

  test('main and fallback on the same origin share one dispatcher; different origins get one each', async () => {
    const server = await serve((_req, res) => json(res, 200, ok({ packages: [], client_packages: [] })));
    const other = await serve((_req, res) => json(res, 200, ok({ packages: [], client_packages: [] })));
    const origins: string[] = [];
    const { Agent } = await import('undici');
    const agent = new Agent();
    const same = clientFor(server.url, { dispatcherFor: (origin) => (origins.push(origin), agent) });
    await same.client.listPackages();
    await same.client.listClientPackages('cl_1');
    expect(origins).toEqual([server.url]);
    const split = clientFor(server.url, { fallbackUrl: other.url, dispatcherFor: (origin) => (origins.push(origin), agent) });
    await split.client.listPackages();
    await split.client.listClientPackages('cl_1');
    expect(origins.slice(1)).toEqual([other.url, server.url]);
    await agent.close();
  });

  test("an injected undici MockAgent is used as the dispatcher", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://api.example.test')
      .intercept({ path: (p) => p.startsWith('/platform/v1/payment/packages'), method: 'GET' })
      .reply(200, ok({ packages: [packageRow(1, { price: '5.50' })] }));
    const { client } = clientFor('https://api.example.test', { dispatcherFor: () => agent });
    expect(await client.listPackages()).toEqual([expect.objectContaining({ id: 'pk_1', price: '5.5' })]);
    await agent.close();
  });
});
