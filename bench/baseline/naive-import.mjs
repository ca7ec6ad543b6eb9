// The script a user would write by hand: read every row, then one at a time look up the client by
// email, fetch the package list to find the package id, and post the create. No sharing, no
// concurrency, no journal. Prints one JSON line: rows, created, failed, requests, seconds.
//   node bench/baseline/naive-import.mjs FILE API_URL TOKEN
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

const [file, apiUrl, token] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}` };
let requests = 0;
const call = async (path, init = {}) => {
  requests++;
  const res = await fetch(`${apiUrl}/platform/v1${path}`, { ...init, headers: { ...headers, ...init.headers } });
  return { status: res.status, body: await res.json() };
};

const started = performance.now();
const rows = parse(await readFile(file), { columns: true, bom: true, skip_empty_lines: true });
let created = 0;
let failed = 0;
for (const row of rows) {
  const found = await call(`/clients?search_by=email&search_term=${encodeURIComponent(row.Email)}`);
  const client = found.body?.data?.clients?.[0];
  const list = await call('/payment/packages');
  const pkg = list.body?.data?.packages?.find((p) => p.name.toLowerCase() === row.Package.toLowerCase());
  if (!client || !pkg) {
    failed++;
    continue;
  }
  const body = { client_id: client.id, package_id: pkg.id, valid_from: row['Valid From'], ...(row.Price && { price: Number(row.Price) }) };
  const res = await call('/payment/client_packages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status === 201) created++;
  else failed++;
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ rows: rows.length, created, failed, requests, seconds }));
