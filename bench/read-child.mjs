// One measured pass in a fresh process, so its peak RSS is its own. Prints one JSON line.
// The clock starts once the code under test is loaded, as it does for the floors (csv-parse and
// exceljs are imported above): `loadSeconds` says what loading the library took.
//   node bench/read-child.mjs validate|records|csv-parse|exceljs|gen-csv|gen-xlsx FILE [ROWS]
import { createReadStream } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { importRows, IMPORT_HEADER } from './lib.mjs';

const [mode, file, rowsArg] = process.argv.slice(2);
const loading = performance.now();
const library = mode === 'validate' ? await import('../dist/index.js') : mode === 'records' ? await import('../dist/validate/index.js') : {};
const started = performance.now();
const loadSeconds = (started - loading) / 1000;
let rows = 0;

if (mode === 'validate') {
  const { validateFile } = library;
  const ext = file.endsWith('.xlsx') ? 'xlsx' : 'csv';
  const result = await validateFile({ file, out: join(dirname(file), `${basename(file)}.results.${ext}`) });
  rows = result.summary.rows;
} else if (mode === 'records') {
  const { readRecords } = library;
  const stream = await readRecords(file);
  for await (const _ of stream.items) rows++;
  await stream.close();
} else if (mode === 'csv-parse') {
  for await (const _ of createReadStream(file).pipe(parse({ bom: true, relax_column_count: true }))) rows++;
  rows -= 1;
} else if (mode === 'exceljs') {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', worksheets: 'emit', styles: 'cache', hyperlinks: 'ignore' });
  for await (const sheet of reader) {
    for await (const _ of sheet) rows++;
    break;
  }
  rows -= 1;
} else if (mode === 'gen-csv' || mode === 'gen-xlsx') {
  const n = Number(rowsArg);
  const clients = Math.max(1, Math.min(20000, Math.floor(n / 10)));
  const chunk = 10000;
  if (mode === 'gen-csv') {
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(file);
    out.write(`${IMPORT_HEADER.join(',')},Notes\n`);
    for (let start = 0; start < n; start += chunk) {
      const block = importRows(Math.min(n, start + chunk), clients, start).map((r, i) => `${r.join(',')},note ${start + i}`).join('\n') + '\n';
      if (!out.write(block)) await new Promise((r) => out.once('drain', r));
    }
    await new Promise((r) => out.end(r));
  } else {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const ws = wb.addWorksheet('Renewals');
    ws.addRow([...IMPORT_HEADER, 'Notes']).commit();
    for (let start = 0; start < n; start += chunk) {
      const block = importRows(Math.min(n, start + chunk), clients, start);
      block.forEach(([email, pkg, from, price], i) => {
        const [y, m, d] = from.split('-').map(Number);
        ws.addRow([email, pkg, new Date(Date.UTC(y, m - 1, d)), price === '' ? null : Number(price), `note ${start + i}`]).commit();
      });
    }
    ws.commit();
    await wb.commit();
  }
  rows = n;
} else {
  throw new Error(`unknown mode ${mode}`);
}

const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ mode, rows, seconds, loadSeconds, maxRss: process.resourceUsage().maxRSS * 1024 }));
