import type { ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { clientFor, serve } from './helpers/client-setup.js';
import { clientPackageRow, clientRow, json, ok, type RecordedRequest } from './helpers/scripted-server.js';



/**
 * A server that gives at most `cap` items a page, whatever per_page asks for, and says so in its
 * pagination block (as the sandbox writes it) or in the one `where` names.
 */
function capped<T>(
  all: readonly T[],
  cap: number,
  list: string,
  where: 'data' | 'top' = 'data',
  counts: (total: number, pages: number) => Record<string, unknown> = (total, pages) => ({ total, total_pages: pages }),
) {
  return (req: RecordedRequest, res: ServerResponse) => {
    const page = Number(req.query.get('page') ?? '1');
    const perPage = Math.min(Number(req.query.get('per_page') ?? '25'), cap);
    const items = all.slice((page - 1) * perPage, page * perPage);
    const pagination = { page, per_page: perPage, ...counts(all.length, Math.ceil(all.length / perPage)) };
    json(res, 200, where === 'data' ? ok({ [list]: items, pagination }) : { ...ok({ [list]: items }), pagination });
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('pages a server cuts shorter than asked for', () => {
  test('a second client with the same email on page 2 is found, so the email reads as ambiguous', async () => {
    const clients = [...range(1, 19).map((n) => clientRow(n, `ann${n}@example.com`)), clientRow(20, 'ann@example.com'), clientRow(21, 'Ann@Example.com')];
    const server = await serve(capped(clients, 20, 'clients'));
    const { client } = clientFor(server.url);
    const found = await client.searchClientsByEmail('ann@example.com');
    expect(found.map((c) => c.id)).toEqual(['cl_20', 'cl_21']);
    expect(server.requests.map((r) => `${r.query.get('page')}/${r.query.get('per_page')}`)).toEqual(['1/50', '2/50']);
  });

  test("a client's package on a later page is found, so it is not created again", async () => {
    const packages = [...range(1, 20).map((n) => clientPackageRow(n)), clientPackageRow(21, { package_id: 'pk_gold' })];
    const server = await serve(capped(packages, 10, 'client_packages'));
    const { client } = clientFor(server.url);
    const found = await client.listClientPackages('cl_1');
    expect(found).toHaveLength(21);
    expect(found.at(-1)).toMatchObject({ id: 'cp_21', packageId: 'pk_gold' });
    expect(server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  test('a total of items is enough, also as a string and in a top-level pagination block', async () => {
    const packages = range(1, 23).map((n) => clientPackageRow(n));
    const server = await serve(capped(packages, 10, 'client_packages', 'top', (total) => ({ total: String(total) })));
    const { client } = clientFor(server.url);
    expect(await client.listClientPackages('cl_1')).toHaveLength(23);
    expect(server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  test('a full page that the pagination says is the last is not followed by another request', async () => {
    const server = await serve(capped(range(1, 25).map((n) => clientPackageRow(n)), 25, 'client_packages'));
    const { client } = clientFor(server.url);
    expect(await client.listClientPackages('cl_1')).toHaveLength(25);
    expect(server.requests).toHaveLength(1);
  });

  test('a server that ignores page= but claims more pages is left once a page brings nothing new', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, ok({ client_packages: range(1, 10).map((n) => clientPackageRow(n)), pagination: { page: 1, per_page: 10, total: 500, total_pages: 50 } })),
    );
    const { client } = clientFor(server.url);
    expect(await client.listClientPackages('cl_1')).toHaveLength(10);
    expect(server.requests).toHaveLength(2);
  });

  test('pagination that says nothing usable leaves the rule of the short page', async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get('page'));
      const rows = page === 1 ? range(1, 25).map((n) => clientPackageRow(n)) : range(26, 3).map((n) => clientPackageRow(n));
      json(res, 200, ok({ client_packages: rows, pagination: { total: 'many', total_pages: -1 } }));
    });
    const { client } = clientFor(server.url);
    expect(await client.listClientPackages('cl_1')).toHaveLength(28);
    expect(server.requests).toHaveLength(2);
  });
});

describe('emails as Unicode spells them', () => {
  test('an address the server keeps with a combining accent is the sheet’s address with a composed one', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, ok({ clients: [clientRow(1, 'Jose\u0301@Example.com'), clientRow(2, 'jose@example.com'), clientRow(3, 'josé.b@example.com')] })),
    );
    const { client } = clientFor(server.url);
    expect((await client.searchClientsByEmail(' jos\u00e9@example.com ')).map((c) => c.id)).toEqual(['cl_1']);
    expect((await client.searchClientsByEmail('JOSE\u0301@EXAMPLE.COM')).map((c) => c.id)).toEqual(['cl_1']);
  });
});
