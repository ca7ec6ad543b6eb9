// 1. Rate adherence: a sandbox limited to 20 requests/s; an import at --rate 20 should use ≥ 0.95 of
// the limit with no 429, and at --rate 40 (over the limit) ≥ 0.85 of it with 429s under 5% of requests.
//   node bench/import-rate.mjs [--quick] [--rows 2000] [--limit 20]
import { join } from 'node:path';
import { fmt, inTempDir, ratio, runIfMain, sandboxData, timedImport, verdict, withSandbox, writeImportCsv } from './lib.mjs';

export function benchRate({ quick = false, rows, limit = 20 } = {}) {
  rows ??= quick ? 400 : 2000;
  const clients = Math.min(200, rows);
  const data = sandboxData(clients);
  return inTempDir(async (dir) => {
    const file = await writeImportCsv(join(dir, 'rate.csv'), rows, clients);
    const lines = [`rate adherence: sandbox limited to ${limit} req/s per token, ${fmt(rows)} rows over ${clients} clients, --concurrency 8${quick ? ' (quick: fewer rows)' : ''}`];
    const results = {};
    for (const [rate, minShare, max429] of [[limit, 0.95, 0], [limit * 2, 0.85, 0.05]]) {
      // A fresh server each time: its token bucket starts full and nothing exists yet.
      const r = await withSandbox({ port: 0, latencyMs: 0, rate: limit, data, seed: 1 }, (server) =>
        timedImport({ file, out: join(dir, `rate-${rate}.results.csv`), server, concurrency: 8, rate }),
      );
      const perSecond = r.requests / r.seconds;
      const share = perSecond / limit;
      const share429 = r.rateLimited / r.requests;
      const ok = share >= minShare && share429 <= max429 && r.counts.created === rows;
      results[rate] = { ...r, perSecond, share, share429, ok };
      lines.push(
        `  --rate ${String(rate).padEnd(3)} ${fmt(r.seconds, 1)} s, ${fmt(r.requests)} requests (${fmt(r.rateLimited)} 429), ` +
          `${fmt(perSecond, 2)} req/s = ${ratio(share)} the limit (goal ≥ ${minShare}), 429s ${fmt(share429 * 100, 2)}% (goal ${max429 === 0 ? '0' : `< ${max429 * 100}%`}), ` +
          `created ${r.counts.created}/${rows}: ${verdict(ok)}`,
      );
    }
    return { lines, results };
  });
}

await runIfMain(import.meta, { rows: { type: 'string' }, limit: { type: 'string' } }, (v) =>
  benchRate({ quick: v.quick, rows: v.rows && Number(v.rows), limit: v.limit ? Number(v.limit) : 20 }),
);
