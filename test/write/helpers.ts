// Shared fixtures for the writer tests: a scratch folder, rows and outcomes, and readers that look at
// the files the way a person opening them would.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
// exceljs's own zip reader, to look at the XML where exceljs's model drops a detail.
import JSZip from 'jszip';
import { afterEach } from 'vitest';
import { STATUSES, type CellValue, type RowOutcome, type RunSummary, type SourceRow, type Status } from '../../src/pipeline/types.js';

const folders: string[] = [];

/** A fresh folder removed after the test. */
export async function scratchFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'write-test-'));
  folders.push(folder);
  return folder;
}

afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

export function header(...cells: CellValue[]): SourceRow {
  return { sourceRow: 1, cells };
}

export function row(sourceRow: number, ...cells: CellValue[]): SourceRow {
  return { sourceRow, cells };
}

export function outcome(sourceRow: number, status: Status, extra: Partial<RowOutcome> = {}): RowOutcome {
  return { sourceRow, status, message: `${status} row ${sourceRow}`, ...extra };
}

export function summary(extra: Partial<RunSummary> = {}): RunSummary {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  return {
    command: 'import',
    counts,
    rows: 0,
    createdTotal: {},
    sheetTotal: {},
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:01:05.000Z',
    durationMs: 65_000,
    inputFile: '/data/members.xlsx',
    sheet: 'Members',
    apiUrl: 'https://api.example-platform.test',
    fallbackUrl: 'https://fallback.example-platform.test',
    options: { concurrency: '4', 'on-existing': 'skip' },
    interrupted: false,
    ...extra,
  };
}

export async function readWorkbook(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return workbook;
}

export function sheetOf(workbook: ExcelJS.Workbook, index = 0): ExcelJS.Worksheet {
  const sheet = workbook.worksheets[index];
  if (!sheet) throw new Error(`no sheet ${index}`);
  return sheet;
}

/** A sheet's rows as plain values, trailing empty cells dropped, dates as `YYYY-MM-DD`. */
export function valuesOf(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (r) => {
    const values: unknown[] = [];
    for (let column = 1; column <= r.cellCount; column++) {
      const value = r.getCell(column).value;
      values.push(value instanceof Date ? value.toISOString().slice(0, 10) : (value ?? null));
    }
    rows.push(values);
  });
  return rows;
}

export async function readCsvText(path: string): Promise<string> {
  return (await readFile(path)).toString('utf8');
}

export async function readCsv(path: string, delimiter = ','): Promise<string[][]> {
  return parse(await readFile(path), { bom: true, delimiter, relax_column_count: true }) as string[][];
}

/** One part of an XLSX file as text, e.g. `xl/workbook.xml`. */
export async function xlsxPart(path: string, part: string): Promise<string> {
  const zip = await JSZip.loadAsync(await readFile(path));
  const entry = zip.file(part);
  if (!entry) throw new Error(`${part} is not in ${path}`);
  return entry.async('string');
}
