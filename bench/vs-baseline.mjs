// 5. Against the hand-written script (bench/baseline/naive-import.mjs): 50 ms per answer, no server
// limit, the same rows; ours at --concurrency 16 --rate 100000. Goals: ≥ 10× faster, ≤ 0.5× the calls.
//   node bench/vs-baseline.mjs [--quick] [--rows 2000]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, inTempDir, ratio, runChild, runIfMain, sandboxData, timedImport, verdict, withSandbox, writeImportCsv } from './lib.mjs';

const baseline = fileURLToPath(new URL('./baseline/naive-import.mjs', import.meta.url));

export function benchBaseline({ quick = false, rows } = {}) {
  rows ??= quick ? 300 : 2000;
  const clients = Math.max(1, Math.round(rows / 10));
  const data = sandboxData(clients);
  return inTempDir(async (dir) => {
    const lines = [`vs the hand-written script: 50 ms per answer, ${fmt(rows)} rows over ${fmt(clients)} clients; ours --concurrency 16 --rate 100000${quick ? ' (quick: fewer rows)' : ''}`];
    const file = await writeImportCsv(join(dir, 'baseline.csv'), rows, clients);
    const run = (fn) =>
      withSandbox({ port: 0, latencyMs: 50, data, seed: 1 }, async (server) => {
        const r = await fn(server);
        return { ...r, created: (await server.created()).created, serverRequests: (await server.stats()).total };
      });
    const base = await run((server) => runChild(baseline, [file, server.mainUrl, server.tokens.staff]));
    const ours = await run((server) => timedImport({ file, out: join(dir, 'baseline.results.csv'), server, concurrency: 16, rate: 100000 }));
    const speedup = base.seconds / ours.seconds;
    const calls = ours.serverRequests / base.serverRequests;
    lines.push(
      `  baseline: ${fmt(base.seconds, 1)} s, ${fmt(base.serverRequests)} requests, created ${base.created}`,
      `  ours:     ${fmt(ours.seconds, 2)} s, ${fmt(ours.serverRequests)} requests, created ${ours.created}`,
      `  ours is ${ratio(speedup)} faster (goal ≥ 10×: ${verdict(speedup >= 10)}) with ${ratio(calls)} the calls (goal ≤ 0.5×: ${verdict(calls <= 0.5)})`,
    );
    return { lines, results: { base, ours, speedup, calls } };
  });
}

await runIfMain(import.meta, { rows: { type: 'string' } }, (v) => benchBaseline({ quick: v.quick, rows: v.rows && Number(v.rows) }));
