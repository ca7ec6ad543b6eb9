import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { expect, test } from 'vitest';

// The time zone has to be set before Node starts, so each reading runs in its own process.
const ZONES = ['America/Los_Angeles', 'UTC', 'Asia/Tokyo'];

test('XLSX dates read back identical whatever the machine time zone', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cp-tz-')), 'dates.xlsx');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Dates');
  const written = [
    Date.UTC(2025, 0, 1),
    Date.UTC(2024, 1, 29),
    Date.UTC(2025, 11, 31),
    Date.UTC(2025, 2, 30, 23, 30),
    Date.UTC(2000, 0, 1, 0, 0, 1),
  ];
  written.forEach((ms, i) => {
    const cell = ws.getCell(i + 1, 1);
    cell.value = new Date(ms);
    cell.numFmt = 'yyyy-mm-dd';
  });
  await wb.xlsx.writeFile(path);
  const expected = [
    { kind: 'date', iso: '2025-01-01' },
    { kind: 'date', iso: '2024-02-29' },
    { kind: 'date', iso: '2025-12-31' },
    { kind: 'date', iso: '2025-03-30', time: '23:30:00' },
    { kind: 'date', iso: '2000-01-01', time: '00:00:01' },
  ];
  const offsets = new Set<number>();
  for (const tz of ZONES) {
    const child = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/read/xlsx-tz.child.test.ts'], {
      cwd: process.cwd(),
      env: { ...process.env, TZ: tz, CP_TZ_CHILD_FILE: path },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = `${child.stdout}`.split('\n').find((l) => l.includes('CP_TZ_RESULT'));
    expect(line, `${tz}: ${child.stdout}${child.stderr}`).toBeDefined();
    const result = JSON.parse((line ?? '').slice((line ?? '').indexOf('{'))) as { tz: string; offset: number; cells: unknown[] };
    expect(result.tz).toBe(tz);
    offsets.add(result.offset);
    expect(result.cells, tz).toEqual(expected);
  }
  // The three zones really differ, or the test would prove nothing.
  expect(offsets.size).toBe(3);
}, 180_000);
