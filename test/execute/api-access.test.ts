import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { RunError } from '../../src/errors.js';
import { ApiClient, checkApiUrl } from '../../src/execute/api-client.js';
import { createLimiter } from '../../src/execute/rate-limit.js';
import { clientFor, serve, TOKEN } from './helpers/client-setup.js';
import { drop, failure, json, ok, type RecordedRequest } from './helpers/scripted-server.js';
import type { ServerResponse } from 'node:http';

/** A platform whose answers to the three preflight requests can be replaced one by one. */
function platform(overrides: { clients?: Answer; packages?: Answer; create?: Answer } = {}) {
  return (req: RecordedRequest, res: ServerResponse) => {
    if (req.path === '/platform/v1/clients') return (overrides.clients ?? staffClients)(req, res);
    if (req.path === '/platform/v1/payment/packages') return (overrides.packages ?? staffPackages)(req, res);
    if (req.path === '/platform/v1/payment/client_packages') return (overrides.create ?? staffCreate)(req, res);
    return json(res, 404, failure('Not found'));
  };
}
type Answer = (req: RecordedRequest, res: ServerResponse) => void;
const staffClients: Answer = (_req, res) => json(res, 200, ok({ clients: [] }));
const staffPackages: Answer = (_req, res) => json(res, 200, ok({ packages: [] }));
const staffCreate: Answer = (_req, res) => json(res, 422, failure('client_id is required'));
const directoryCreate: Answer = (_req, res) => json(res, 422, failure('Unauthorized'));

async function runErrorOf(promise: Promise<unknown>): Promise<RunError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  return error as RunError;
}

describe('preflight', () => {
  test('a staff token: both URLs answer, the empty create gets a 422 about a field; nothing can be created', async () => {
    const server = await serve(platform());
    const { client } = clientFor(server.url);
    await expect(client.preflight()).resolves.toEqual([]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /platform/v1/clients',
      'GET /platform/v1/payment/packages',
      'POST /platform/v1/payment/client_packages',
    ]);
    expect(server.requests.find((r) => r.method === 'POST')?.body).toBe('{}');
  });

  test('the three requests go out together, and the package list is what comes back', async () => {
    let waiting = 0;
    const held: Array<() => void> = [];
    const server = await serve((req, res) => {
      const answer = () => platform({ packages: (_r, out) => json(out, 200, ok({ packages: [{ id: 'pk_1', name: 'Ten', price: '10', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm' }] })) })(req, res);
      held.push(answer);
      // Nothing is answered until all three have arrived: sent one after another, this would hang.
      if (++waiting === 3) for (const release of held) release();
    });
    const { client } = clientFor(server.url);
    const packages = await client.preflight();
    expect(packages).toEqual([expect.objectContaining({ id: 'pk_1', name: 'Ten', price: '10' })]);
    expect(server.requests).toHaveLength(3);
  });

  test('a directory token (422 "Unauthorized" on the create) is TOKEN_NOT_STAFF', async () => {
    const server = await serve(platform({ create: directoryCreate }));
    const { client } = clientFor(server.url);
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('TOKEN_NOT_STAFF');
    expect(error.message).toMatch(/directory token/);
  });

  test('the other envelope for a directory token is read too', async () => {
    const server = await serve(platform({ create: (_req, res) => json(res, 422, { success: false, errors: [{ code: 'unauthorized', message: 'Unauthorized' }] }) }));
    const { client } = clientFor(server.url);
    expect((await runErrorOf(client.preflight())).code).toBe('TOKEN_NOT_STAFF');
  });

  test('401 is TOKEN_REJECTED', async () => {
    const server = await serve(platform({ clients: (_req, res) => json(res, 401, failure('Unauthorized')) }));
    const { client } = clientFor(server.url);
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('TOKEN_REJECTED');
    expect(error.message).toContain('/platform/v1/clients');
  });

  test('401 on the fallback URL only is TOKEN_REJECTED too', async () => {
    const server = await serve(platform({ packages: (_req, res) => json(res, 401, failure('Unauthorized')) }));
    const { client } = clientFor(server.url);
    expect((await runErrorOf(client.preflight())).code).toBe('TOKEN_REJECTED');
  });

  test('an unreachable URL is API_UNREACHABLE naming the URL, after the retries', async () => {
    const server = await serve(() => {});
    const url = server.url;
    await server.close();
    const { client, retryWaits } = clientFor(url, { retries: 2 });
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('API_UNREACHABLE');
    expect(error.message).toContain(url);
    expect(error.message).toMatch(/connection refused/);
    expect(retryWaits).toHaveLength(3 * 2); // each of the three requests, retried twice
  });

  test('an unreachable fallback URL names the fallback URL', async () => {
    const main = await serve(platform());
    const gone = await serve(() => {});
    const fallbackUrl = gone.url;
    await gone.close();
    const { client } = clientFor(main.url, { fallbackUrl, retries: 0 });
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('API_UNREACHABLE');
    expect(error.message).toContain(fallbackUrl);
    expect(error.message).toMatch(/fallback/i);
  });

  test('a fallback URL that answers 404 for packages is CONFIG: it does not serve the fallback endpoints', async () => {
    const main = await serve(platform());
    const gateway = await serve((req, res) => (req.path === '/platform/v1/clients' ? staffClients(req, res) : json(res, 404, failure('Not found'))));
    const { client } = clientFor(main.url, { fallbackUrl: gateway.url });
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(gateway.url);
    expect(error.message).toMatch(/does not serve the fallback endpoints/);
  });

  test('a main URL that answers 404 for clients is CONFIG', async () => {
    const server = await serve((_req, res) => json(res, 404, failure('Not found')));
    const { client } = clientFor(server.url);
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('CONFIG');
    expect(error.message).toMatch(/main API/);
  });

  test('a main URL that answers 200 but not like the platform is CONFIG', async () => {
    const server = await serve(platform({ clients: (_req, res) => json(res, 200, { hello: 'world' }) }));
    const { client } = clientFor(server.url);
    expect((await runErrorOf(client.preflight())).code).toBe('CONFIG');
  });

  test('a fallback URL whose package list is not like the platform is CONFIG naming the fallback URL', async () => {
    const server = await serve(platform({ packages: (_req, res) => json(res, 200, { items: 'none' }) }));
    const { client } = clientFor(server.url);
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('CONFIG');
    expect(error.message).toMatch(/fallback API URL .* answered \/platform\/v1\/payment\/packages, but not like the platform API/);
  });

  test('a server that accepts an empty create is refused as CONFIG', async () => {
    const server = await serve(platform({ create: (_req, res) => json(res, 201, ok({})) }));
    const { client } = clientFor(server.url);
    const error = await runErrorOf(client.preflight());
    expect(error.code).toBe('CONFIG');
    expect(error.message).toMatch(/accepted an empty create/);
  });

  test('a 500 that persists is API_UNREACHABLE; a 500 once is retried', async () => {
    let packageReads = 0;
    const flaky = await serve(platform({ packages: (req, res) => (++packageReads === 1 ? json(res, 500, failure('oops')) : staffPackages(req, res)) }));
    await expect(clientFor(flaky.url).client.preflight()).resolves.toEqual([]);
    expect(packageReads).toBe(2);
    const broken = await serve(platform({ create: (_req, res) => json(res, 500, failure('oops')) }));
    expect((await runErrorOf(clientFor(broken.url, { retries: 1 }).client.preflight())).code).toBe('API_UNREACHABLE');
  });
});

describe('checkApiUrl', () => {
  test.each([
    ['https://api.example.com', false],
    ['https://api.example.com/prefix/', false],
    ['http://localhost:3000', false],
    ['http://LOCALHOST:3000', false],
    ['http://127.0.0.1:3000', false],
    ['http://127.1.2.3', false],
    ['http://127.1', false],
    ['http://[::1]:8080', false],
    ['http://[::ffff:127.0.0.1]:8080', false],
    ['http://api.example.com', true],
  ])('%s is accepted (allowInsecure %s)', (url, allowInsecure) => {
    expect(() => checkApiUrl(url, allowInsecure)).not.toThrow();
  });

  test.each([
    ['http://api.example.com', 'INSECURE_URL'],
    ['http://10.0.0.5:8080', 'INSECURE_URL'],
    ['http://128.0.0.1', 'INSECURE_URL'],
    ['http://localhost.evil.com', 'INSECURE_URL'],
    ['http://[::2]', 'INSECURE_URL'],
    ['ftp://api.example.com', 'CONFIG'],
    ['file:///etc/passwd', 'CONFIG'],
    ['api.example.com', 'CONFIG'],
    ['', 'CONFIG'],
    ['https://user:pass@api.example.com', 'CONFIG'],
    ['https://api.example.com/?token=x', 'CONFIG'],
  ])('%s is refused with %s', (url, code) => {
    let error: unknown;
    try {
      checkApiUrl(url, false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe(code);
  });

  test('allowInsecure does not let other schemes through', () => {
    expect(() => checkApiUrl('ftp://api.example.com', true)).toThrow(RunError);
  });
});

describe('the token', () => {
  test('appears in no error, result, event or RunError, even when the server echoes it', async () => {
    const echo = `you sent Authorization: Bearer ${TOKEN}`;
    let mode = '';
    const server = await serve((req, res) => {
      if (mode === 'drop') return drop(res);
      if (mode === '401') return json(res, 401, failure('Unauthorized'));
      if (mode === 'echo-json') return json(res, 422, failure(echo));
      if (mode === 'echo-text') return void res.writeHead(500).end(echo);
      if (mode === 'unfit') return json(res, 200, ok({ clients: [{ id: TOKEN }], packages: [{ name: TOKEN }], client_package: { id: TOKEN } }));
      if (mode === 'directory') return platform({ create: directoryCreate })(req, res);
      return json(res, 500, failure('internal'));
    });
    const { client, events } = clientFor(server.url, { retries: 0 });
    const texts: string[] = [];
    const record = async (run: () => Promise<unknown>) => {
      try {
        texts.push(inspect(await run(), { depth: 10 }));
      } catch (error) {
        texts.push(inspect(error, { depth: 10 }), String(error), JSON.stringify(error));
      }
    };
    for (mode of ['drop', '401', 'echo-json', 'echo-text', 'unfit', 'directory', '500']) {
      await record(() => client.searchClientsByEmail('a@example.com'));
      await record(() => client.listPackages());
      await record(() => client.createClientPackage({ client_id: 'c', package_id: 'p', valid_from: '2024-01-01' }));
      await record(() => client.preflight());
    }
    const gone = await serve(() => {});
    const goneUrl = gone.url;
    await gone.close();
    await record(() => clientFor(goneUrl, { retries: 0 }).client.preflight());
    texts.push(JSON.stringify(events));

    expect(texts.length).toBeGreaterThan(40);
    expect(texts.filter((text) => text.includes(TOKEN))).toEqual([]);
    expect(texts.some((text) => text.includes('you sent Authorization: Bearer [token]'))).toBe(true);
  });

  test('a token with a line break is refused before anything is sent', () => {
    const limiter = createLimiter({ rate: 1, concurrency: 1 });
    const create = () => new ApiClient({ apiUrl: 'https://a.example', fallbackUrl: 'https://a.example', token: 'abc\ndef', limiter, retries: 0, concurrency: 1 });
    expect(create).toThrow(RunError);
    expect(create).toThrow(/line break/);
  });

  test.each(['tok€n', 'token”', 'tok—en'])('a token with a character past Latin-1 (%s) is refused with a reason, never shown', (token) => {
    const limiter = createLimiter({ rate: 1, concurrency: 1 });
    const create = () => new ApiClient({ apiUrl: 'https://a.example', fallbackUrl: 'https://a.example', token, limiter, retries: 0, concurrency: 1 });
    expect(create).toThrow(RunError);
    expect(create).toThrow('PLATFORM_STAFF_TOKEN contains a character a token cannot have, perhaps from copying it out of a document; copy it again from the platform.');
  });
});
