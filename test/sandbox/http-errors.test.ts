// Bad input never crashes or hangs the sandbox: each gets an answer in an envelope, and the
// server keeps answering afterwards. Also the split roles and a prompt close.

import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { call, CLIENTS, clientPackagesPath, CREATE, createBody, fixtureData, PACKAGES, STAFF } from './helpers.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, data: fixtureData() });
});
afterAll(() => sandbox.close());

const post = (rawBody: string | Buffer, contentType = 'application/json') =>
  call(`${sandbox.fallbackUrl}${CREATE}`, { method: 'POST', rawBody, headers: { 'content-type': contentType } });

function expectGatewayError(reply: { status: number; json: any }, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.json).toEqual({ success: false, errors: [{ code, message: expect.any(String) }] });
}

describe('bad requests', () => {
  it('answers malformed JSON with 400', async () => {
    expectGatewayError(await post('{"client_id": "cl_bob",'), 400, 'malformed_json');
    expectGatewayError(await post(''), 400, 'malformed_json');
  });

  it('answers a body that is not a JSON object with 400', async () => {
    expectGatewayError(await post('[1,2]'), 400, 'malformed_json');
    expectGatewayError(await post('"text"'), 400, 'malformed_json');
  });

  it('answers a content type other than JSON with 415', async () => {
    expectGatewayError(await post('client_id=cl_bob', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    expectGatewayError(await call(`${sandbox.fallbackUrl}${CREATE}`, { method: 'POST', rawBody: '{}' }), 415, 'unsupported_media_type');
  });

  it('accepts JSON with a charset', async () => {
    const reply = await post(JSON.stringify(createBody({ client_id: 'cl_p10' })), 'application/json; charset=utf-8');
    expect(reply.status).toBe(201);
  });

  it('answers a body over 1 MiB with 413, and goes on answering', async () => {
    const huge = JSON.stringify({ ...createBody({ client_id: 'cl_p11' }), padding: 'x'.repeat(1024 * 1024) });
    expectGatewayError(await post(huge), 413, 'payload_too_large');
    expect(sandbox.inspect.clientPackages('cl_p11')).toEqual([]);
    expect((await call(`${sandbox.mainUrl}${CLIENTS}`)).status).toBe(200);
  });

  it('answers an unknown route with 404', async () => {
    expectGatewayError(await call(`${sandbox.mainUrl}/platform/v1/nothing`), 404, 'not_found');
    expectGatewayError(await call(`${sandbox.mainUrl}/`), 404, 'not_found');
    expectGatewayError(await call(`${sandbox.mainUrl}/platform/v1/clients/a/b/c`), 404, 'not_found');
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const reply = await call(`${sandbox.mainUrl}${CLIENTS}`, { method: 'DELETE' });
    expectGatewayError(reply, 405, 'method_not_allowed');
    expect(reply.headers.allow).toBe('GET');
    const get = await call(`${sandbox.fallbackUrl}${CREATE}`);
    expectGatewayError(get, 405, 'method_not_allowed');
    expect(get.headers.allow).toBe('POST');
  });

  it('survives a malformed escape in a path', async () => {
    expectGatewayError(await call(`${sandbox.mainUrl}/platform/v1/clients/%E0%A4%A/payment/client_packages`), 404, 'not_found');
  });

  it('survives a client that sends half a body and goes away', async () => {
    const { port } = new URL(sandbox.fallbackUrl);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST ${CREATE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${STAFF}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"client_id":`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    expect((await call(`${sandbox.mainUrl}${CLIENTS}`)).status).toBe(200);
  });

  it('answers garbage that is not HTTP with 400 and goes on', async () => {
    const { port } = new URL(sandbox.mainUrl);
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('\x00\x01 not http at all\r\n\r\n'));
      socket.on('data', (chunk) => (received += String(chunk)));
      socket.on('close', () => resolve(received));
      socket.on('error', () => resolve(received));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect((await call(`${sandbox.mainUrl}${CLIENTS}`)).status).toBe(200);
  });
});

describe('split roles', () => {
  let split: Sandbox;
  beforeAll(async () => {
    split = await startSandbox({ split: true, data: fixtureData() });
  });
  afterAll(() => split.close());

  it('serves the two roles on two ports', () => {
    expect(split.fallbackUrl).not.toBe(split.mainUrl);
  });

  it('answers the fallback-only endpoints with 404 on the main role', async () => {
    expectGatewayError(await call(`${split.mainUrl}${PACKAGES}`), 404, 'not_found');
    expectGatewayError(await call(`${split.mainUrl}${CREATE}`, { body: createBody() }), 404, 'not_found');
    expect(split.inspect.created()).toEqual([]);
  });

  it('answers the main-only endpoints with 404 on the fallback role', async () => {
    expectGatewayError(await call(`${split.fallbackUrl}${CLIENTS}`), 404, 'not_found');
    expectGatewayError(await call(`${split.fallbackUrl}${clientPackagesPath('cl_ann')}`), 404, 'not_found');
  });

  it('serves each endpoint on its own role, over one shared state', async () => {
    expect((await call(`${split.mainUrl}${CLIENTS}`)).status).toBe(200);
    expect((await call(`${split.fallbackUrl}${PACKAGES}`)).status).toBe(200);
    const made = await call(`${split.fallbackUrl}${CREATE}`, { body: createBody() });
    expect(made.status).toBe(201);
    const listed = await call(`${split.mainUrl}${clientPackagesPath('cl_bob')}`);
    expect(listed.json.data.client_packages[0].id).toBe(made.json.data.client_package.id);
  });

  it('honours fixed ports, and says so when one is taken', async () => {
    const taken = Number(new URL(split.mainUrl).port);
    await expect(startSandbox({ port: taken, data: fixtureData() })).rejects.toThrow(/already in use/);
  });
});

describe('close', () => {
  it('resolves promptly with keep-alive sockets and a request still waiting on latency', async () => {
    const local = await startSandbox({ data: fixtureData(), latencyMs: 10_000 });
    const waiting = request(`${local.mainUrl}${CLIENTS}`, { headers: { authorization: `Bearer ${STAFF}` } }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await local.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await waiting).toBeInstanceOf(Error);
  });
});
