// Sheets built from the sandbox's default data, so integration tests know what each row should become.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';

interface DataFile {
  business_id: string;
  tokens: { staff: string; directory: string };
  clients: Array<{ id: string; email: string; business_id?: string }>;
  packages: Array<{ id: string; name: string; price: string | number; currency: string; active: boolean | string; business_id?: string }>;
  client_packages?: Array<{ client_id: string; package_id: string; valid_from: string }>;
}

export const DATA: DataFile = JSON.parse(
  readFileSync(new URL('../../samples/sandbox-data.json', import.meta.url), 'utf8'),
) as DataFile;

function ours<T extends { business_id?: string }>(items: T[]): T[] {
  return items.filter((i) => (i.business_id ?? DATA.business_id) === DATA.business_id);
}

/** Clients whose email belongs to them alone, and active packages whose name is unique, of our business. */
export function plainClients(): Array<{ id: string; email: string }> {
  const clients = ours(DATA.clients);
  const count = new Map<string, number>();
  for (const c of DATA.clients) count.set(c.email.toLowerCase(), (count.get(c.email.toLowerCase()) ?? 0) + 1);
  const existing = new Set((DATA.client_packages ?? []).map((p) => p.client_id));
  return clients.filter((c) => count.get(c.email.toLowerCase()) === 1 && !existing.has(c.id));
}

export function plainPackages(): Array<{ id: string; name: string; price: string; currency: string }> {
  const pkgs = ours(DATA.packages);
  const count = new Map<string, number>();
  for (const p of pkgs) count.set(p.name.toLowerCase(), (count.get(p.name.toLowerCase()) ?? 0) + 1);
  return pkgs
    .filter((p) => count.get(p.name.toLowerCase()) === 1 && (p.active === true || p.active === 'true') && p.currency === 'USD')
    .map((p) => ({ id: p.id, name: p.name, price: String(p.price), currency: p.currency }));
}

export interface PlannedRow {
  email: string;
  clientId: string;
  packageName: string;
  packageId: string;
  validFrom: string;
  price?: string;
}

/** `n` rows that should each create one package: distinct (client, package, valid_from). */
export function creatableRows(n: number, clientsUsed = n): PlannedRow[] {
  const clients = plainClients().slice(0, clientsUsed);
  const pkgs = plainPackages();
  return Array.from({ length: n }, (_, i) => {
    const c = clients[i % clients.length]!;
    const p = pkgs[Math.floor(i / clients.length) % pkgs.length]!;
    const month = String((Math.floor(i / (clients.length * pkgs.length)) % 12) + 1).padStart(2, '0');
    return {
      email: c.email,
      clientId: c.id,
      packageName: p.name,
      packageId: p.id,
      validFrom: `2027-${month}-01`,
      ...(i % 3 === 0 && { price: `${(i % 50) + 10}.50` }),
    };
  });
}

export async function tempDir(prefix = 'cp-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function writeCsv(dir: string, name: string, header: string[], rows: string[][]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n');
  return path;
}

/** The standard sheet of planned rows: Email, Package, Start, Price, plus a carried-through Note. */
export async function writePlannedCsv(dir: string, rows: PlannedRow[], name = 'import.csv'): Promise<string> {
  return writeCsv(
    dir,
    name,
    ['Email', 'Package', 'Start', 'Price', 'Note'],
    rows.map((r, i) => [r.email, r.packageName, r.validFrom, r.price ?? '', `note ${i + 1}`]),
  );
}

/** A results or retry CSV as objects keyed by header (the byte-order mark removed). */
export async function readCsvObjects(path: string): Promise<Array<Record<string, string>>> {
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  return parse(text, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

/** The first sheet of a results XLSX as objects keyed by header text. */
export async function readXlsxObjects(path: string, sheet?: string): Promise<Array<Record<string, unknown>>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const ws = sheet ? wb.getWorksheet(sheet) : wb.worksheets[0];
  if (!ws) throw new Error(`no sheet ${sheet}`);
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const rows: Array<Record<string, unknown>> = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as unknown[]).slice(1);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i]])));
  });
  return rows;
}
