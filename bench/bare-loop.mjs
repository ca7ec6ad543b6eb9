// The floor of the latency-bound bench: the same creates an import of the sheet sends, posted by a
// bare undici loop (N requests in flight, nothing read, looked up, checked or written between them).
// What this reaches is what the server and the machine allow; an import cannot beat it. Prints one
// JSON line: requests, seconds (first request to last answer), created.
//   node bench/bare-loop.mjs API_URL TOKEN ROWS CLIENTS CONCURRENCY
import { createRequire } from 'node:module';

const { Pool } = createRequire(import.meta.url)('undici');
const [apiUrl, token, rowsText, clientsText, concurrencyText] = process.argv.slice(2);
const [rows, clients, concurrency] = [rowsText, clientsText, concurrencyText].map(Number);

const pad = (i, n) => String(i).padStart(n, '0');
/** The create of row i, as bench/lib.mjs importRows writes it and sandboxData names the ids. */
function createBody(i) {
  const k = Math.floor(i / clients);
  const month = pad((Math.floor(k / 12) % 12) + 1, 2);
  const year = 2027 + Math.floor(k / 144);
  return JSON.stringify({
    client_id: `cl_b${pad(i % clients, 6)}`,
    package_id: `pk_b${pad(k % 12, 3)}`,
    valid_from: `${year}-${month}-01`,
    ...(i % 3 === 0 && { price: (i % 50) + 10.5 }),
  });
}

const pool = new Pool(apiUrl, { connections: concurrency });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
let next = 0;
let created = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < rows) {
      const { statusCode, body } = await pool.request({ path: '/platform/v1/payment/client_packages', method: 'POST', headers, body: createBody(next++) });
      await body.json();
      if (statusCode === 201) created++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
await pool.close();
console.log(JSON.stringify({ requests: rows, seconds, created }));
