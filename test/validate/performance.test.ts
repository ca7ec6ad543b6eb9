// A million rows, against a bare csv-parse pass over the same file. Slow (a minute or so), so it
// runs only when asked: CP_BENCH=1 npx vitest run test/validate/performance.test.ts
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { expect, test } from 'vitest';
import { readRecords } from '../../src/validate/index.js';

const ROWS = Number(process.env['CP_BENCH_ROWS'] ?? 1_000_000);

async function writeSheet(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('Client Email,Package,Start Date,End Date,Price,Conversation,Notes\n');
  const packages = ['Gold 10-Pack', 'Silver', 'Bronze Monthly', 'Platinum'];
  const two = (n: number) => String(n).padStart(2, '0');
  let chunk = '';
  for (let i = 1; i <= ROWS; i++) {
    const d = two(1 + (i % 28));
    const m = two(1 + (i % 12));
    const price = i % 10 < 7 ? `${i % 5000}.50` : i % 10 < 9 ? `"$1,${String(i % 1000).padStart(3, '0')}.50"` : '';
    chunk += `user${i}@example.com,${packages[i % 4]},${d}/${m}/2025,2026-${m}-${d},${price},conv-${i},note ${i}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

test.runIf(process.env['CP_BENCH'])('a million rows validate within twice a bare parse, in under 300 MB', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cp-bench-')), 'million.csv');
  await writeSheet(path);

  let start = performance.now();
  let bare = 0;
  for await (const _ of createReadStream(path).pipe(parse({ relax_column_count: true, relax_quotes: true, bom: true }))) bare++;
  const bareMs = performance.now() - start;

  start = performance.now();
  const stream = await readRecords(path);
  let valid = 0;
  let other = 0;
  for await (const item of stream.items) {
    if (item.record) valid++;
    else other++;
  }
  await stream.close();
  const ms = performance.now() - start;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(`bare csv-parse ${bareMs.toFixed(0)} ms; readRecords ${ms.toFixed(0)} ms (${(ms / bareMs).toFixed(2)}x); peak RSS ${peakMb.toFixed(0)} MB`);

  expect(bare).toBe(ROWS + 1);
  expect(valid).toBe(ROWS);
  expect(other).toBe(0);
  expect(ms / bareMs).toBeLessThan(2);
  expect(peakMb).toBeLessThan(300);
}, 600_000);
