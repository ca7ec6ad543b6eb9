// 4. Reading: validate (validateFile, results sheet included) and the read alone (readRecords) over
// generated CSV and XLSX files, each pass in its own process for its peak RSS, against the floor:
// a bare csv-parse pass and a bare exceljs streaming read of the same file. Every time is taken
// after the code it measures is loaded; loading the library is shown apart.
// Goals: validate ≤ 2× the floor's time, peak RSS < 300 MB, RSS at 1M rows ≤ 1.5× RSS at 100k.
//   node bench/reading.mjs [--quick] [--csv 1000,10000,100000,1000000] [--xlsx 20000,200000]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { args, fmt, mb, ratio, runChild, tempDir, verdict } from './lib.mjs';

const child = fileURLToPath(new URL('./read-child.mjs', import.meta.url));
const RSS_LIMIT = 300 * 2 ** 20;

export async function benchReading({ quick = false, csv, xlsx } = {}) {
  csv ??= quick ? [1000, 10000, 100000] : [1000, 10000, 100000, 1000000];
  xlsx ??= quick ? [1000, 20000] : [1000, 20000, 200000];
  const lines = [`reading: each pass in a child process; rows/s, peak RSS, and ratios to the bare parser's pass over the same file${quick ? ' (quick: smaller files)' : ''}`];
  const results = { csv: {}, xlsx: {} };
  const tmp = await tempDir();
  try {
    for (const [format, sizes, floor] of [['csv', csv, 'csv-parse'], ['xlsx', xlsx, 'exceljs']]) {
      for (const n of sizes) {
        const file = join(tmp.dir, `rows-${n}.${format}`);
        await runChild(child, [`gen-${format}`, file, String(n)]);
        const v = await runChild(child, ['validate', file]);
        const r = await runChild(child, ['records', file]);
        const f = await runChild(child, [floor, file]);
        const okTime = v.seconds <= 2 * f.seconds;
        const okRss = v.maxRss < RSS_LIMIT;
        results[format][n] = { validate: v, records: r, floor: f, okTime, okRss };
        lines.push(
          `  ${format} ${fmt(n).padStart(9)} rows: validate ${fmt(v.seconds, 2)} s (${fmt(n / v.seconds)} rows/s, ${ratio(v.seconds / f.seconds)} ${floor}; loading the library ${fmt(v.loadSeconds, 2)} s more), peak ${mb(v.maxRss)} (${ratio(v.maxRss / f.maxRss)} ${floor}); ` +
            `read only ${fmt(r.seconds, 2)} s (${ratio(r.seconds / f.seconds)}), ${mb(r.maxRss)}; ${floor} ${fmt(f.seconds, 2)} s, ${mb(f.maxRss)}; ` +
            `goals time ≤ 2×: ${verdict(okTime)}, RSS < 300 MB: ${verdict(okRss)}`,
        );
      }
    }
    const big = Math.max(...csv);
    if (results.csv[100000] && big > 100000) {
      const growth = results.csv[big].validate.maxRss / results.csv[100000].validate.maxRss;
      results.csv.growth = growth;
      lines.push(`  csv peak RSS at ${fmt(big)} rows / at 100,000 rows: ${ratio(growth)} (goal ≤ 1.5×: ${verdict(growth <= 1.5)})`);
    }
  } finally {
    await tmp.remove();
  }
  return { lines, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const v = args({ csv: { type: 'string' }, xlsx: { type: 'string' } });
  const list = (s) => s && s.split(',').map(Number);
  const { lines } = await benchReading({ quick: v.quick, csv: list(v.csv), xlsx: list(v.xlsx) });
  console.log(lines.join('\n'));
}
