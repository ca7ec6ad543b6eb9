// 2. Latency-bound: 50 ms added to every answer, no server limit, --concurrency 16. The bound is
// 16 / 0.05 = 320 requests/s; every row needs one create, and the first row of each client also an
// email search and a read of its existing packages, so rows/s ≤ 320 / (requests per row).
// The sandbox runs in a process of its own, as an independent server does. Beside each import, a
// bare undici loop posts the same creates (bench/bare-loop.mjs): the floor that this server and
// this machine allow, which no client reaches past.
//   node bench/import-latency.mjs [--quick] [--rows 2000]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, inTempDir, ratio, runChild, runIfMain, sandboxData, timedCliImport, timedImport, verdict, withSandbox, writeImportCsv } from './lib.mjs';

const BARE_LOOP = fileURLToPath(new URL('./bare-loop.mjs', import.meta.url));

/** The bare loop in a child process: its requests/s from first request to last answer, and from spawn to exit. */
async function timedBareLoop({ server, rows, clients, concurrency }) {
  const started = performance.now();
  const r = await runChild(BARE_LOOP, [server.fallbackUrl, server.tokens.staff, String(rows), String(clients), String(concurrency)]);
  const wall = (performance.now() - started) / 1000;
  if (r.created !== rows) throw new Error(`bare-loop created ${r.created} of ${rows}`);
  return { inner: r.requests / r.seconds, wall: r.requests / wall };
}

export function benchLatency({ quick = false, rows } = {}) {
  rows ??= quick ? 1000 : 2000;
  const latencyMs = 50;
  const concurrency = 16;
  const bound = concurrency / (latencyMs / 1000);
  return inTempDir(async (dir) => {
    const lines = [
      `latency-bound: ${latencyMs} ms per answer, no server limit, --concurrency ${concurrency} (no --rate): bound ${bound} requests/s; sandbox in its own process${quick ? ' (quick: fewer rows)' : ''}`,
    ];
    const results = {};
    const sandbox = (clients) => ({ process: true, port: 0, latencyMs, data: sandboxData(clients), seed: 1 });
    // Two mixes: many rows per client (lookups rare), and 10 rows per client (lookups are 1 request in 6).
    for (const clients of [Math.max(1, Math.round(rows / 100)), Math.round(rows / 10)]) {
      const file = await writeImportCsv(join(dir, `latency-${clients}.csv`), rows, clients);
      const floor = await withSandbox(sandbox(clients), (server) => timedBareLoop({ server, rows, clients, concurrency }));
      lines.push(
        `  floor, ${fmt(rows)} creates by a bare undici loop: ${fmt(floor.inner)} requests/s = ${ratio(floor.inner / bound)} of ${bound} from first request to last answer, ` +
          `${fmt(floor.wall)} requests/s = ${ratio(floor.wall / bound)} from spawn to exit`,
      );
      // Through the library (runImport timed alone, against the floor's first request to last answer),
      // and through the CLI timed from spawn to exit (against the floor's spawn to exit).
      for (const [how, run, floorRate] of [['library', timedImport, floor.inner], ['CLI', timedCliImport, floor.wall]]) {
        const r = await withSandbox(sandbox(clients), (server) => run({ file, out: join(dir, `latency-${clients}-${how}.results.csv`), server, concurrency }));
        const rowsPerSecond = r.rows / r.seconds;
        const requestsPerSecond = r.requests / r.seconds;
        const perRow = r.requests / r.rows;
        const rowBound = bound / perRow;
        const ofFloor = rowsPerSecond / (floorRate / perRow);
        const ok = rowsPerSecond >= 0.9 * bound;
        results[`${clients} ${how}`] = { ...r, rowsPerSecond, requestsPerSecond, perRow, ofFloor, floor: floorRate, ok };
        lines.push(
          `  ${fmt(rows)} rows over ${fmt(clients)} clients, ${how.padEnd(7)}: ${fmt(r.seconds, 2)} s, ${fmt(rowsPerSecond)} rows/s = ${ratio(rowsPerSecond / bound)} of ${bound} ` +
            `(goal ≥ 0.90: ${verdict(ok)}${rowBound < 0.9 * bound ? `, out of reach at ${fmt(perRow, 3)} requests/row` : ''}), ${fmt(requestsPerSecond)} requests/s = ${ratio(requestsPerSecond / bound)} of ${bound}, ` +
            `${fmt(perRow, 3)} requests/row so rows/s can reach at most ${fmt(rowBound)} (${ratio(rowsPerSecond / rowBound)} of that) ` +
            `and ${fmt(floorRate / perRow)} at the floor's rate (${ratio(ofFloor)} of that); created ${r.counts.created}/${rows}`,
        );
      }
    }
    return { lines, results };
  });
}

await runIfMain(import.meta, { rows: { type: 'string' } }, (v) => benchLatency({ quick: v.quick, rows: v.rows && Number(v.rows) }));
