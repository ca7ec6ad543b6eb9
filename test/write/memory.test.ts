import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, scratchFolder, summary } from './helpers.js';

const ROWS = 100_000;
const MB = 1024 * 1024;

it(`writes ${ROWS.toLocaleString('en')} XLSX rows with flat memory`, async () => {
  const folder = await scratchFolder();
  const input = join(folder, 'big.xlsx');
  const writer = await openResultsWriter({
    target: resultsTarget(input),
    inputPath: input,
    header: header('client_email', 'package_name', 'valid_from', 'valid_until', 'price', 'note'),
  });
  const samples: { rows: number; heap: number; buffers: number }[] = [];
  for (let n = 2; n < ROWS + 2; n++) {
    await writer.write(
      {
        sourceRow: n,
        cells: [`client${n}@example.com`, 'Gold Membership', { kind: 'date', iso: '2025-01-31' }, { kind: 'date', iso: '2025-12-31' }, 1200.5, `note ${n}`],
      },
      {
        sourceRow: n,
        status: n % 10 === 0 ? 'failed' : 'created',
        message: `Created Gold Membership for client${n}@example.com from 2025-01-31 to 2025-12-31, 1,200.50 USD`,
        resolvedClientId: `c_${n}`,
        resolvedPackageId: 'p_gold',
        clientPackageId: `cp_${n}`,
        httpStatus: 201,
        attempts: 1,
      },
    );
    if (n % 5000 === 0) {
      const usage = process.memoryUsage();
      samples.push({ rows: n, heap: usage.heapUsed, buffers: usage.arrayBuffers });
    }
  }
  const written = await writer.finish(summary({ rows: ROWS }));

  const peak = (from: number, to: number, key: 'heap' | 'buffers') =>
    Math.max(...samples.filter((s) => s.rows > from && s.rows <= to).map((s) => s[key]));
  const early = peak(0, ROWS / 2, 'heap');
  const late = peak(ROWS / 2, ROWS + 2, 'heap');
  const buffers = peak(0, ROWS + 2, 'buffers');
  const size = (await stat(written.results)).size;
  console.log(
    `${ROWS} rows: heap peak ${(early / MB).toFixed(0)} MB in the first half, ${(late / MB).toFixed(0)} MB in the second; ` +
      `buffers peak ${(buffers / MB).toFixed(1)} MB; results ${(size / MB).toFixed(1)} MB`,
  );
  // Streamed, the buffers saw-tooth under ~20 MB as they are collected; buffering the zip instead of
  // streaming it grows them by ~0.7 MB per thousand rows, to ~70 MB here.
  expect(buffers).toBeLessThan(48 * MB);
  // Flat: the second half does not hold much more than the first (garbage collection timing aside).
  expect(late).toBeLessThan(early + 48 * MB);
});
