// The bundled data and the two samples: what the data set promises (samples/README.md), that the
// generator reproduces every file byte for byte, and that the samples' good rows really create.

import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxData } from '../../src/sandbox/server.js';
import { call, CREATE } from './helpers.js';

const samples = new URL('../../samples/', import.meta.url);
const data = JSON.parse(await readFile(new URL('sandbox-data.json', samples), 'utf8')) as SandboxData;
const legacyCsv = await readFile(new URL('legacy-memberships.csv', samples), 'utf8');
const ours = data.clients.filter((c) => (c.business_id ?? data.business_id) === data.business_id);
const ourPackages = data.packages.filter((p) => (p.business_id ?? data.business_id) === data.business_id);
const normalName = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox(); // the bundled data
});
afterAll(() => sandbox.close());

describe('the bundled data', () => {
  it('is what startSandbox serves by default', () => {
    expect(sandbox.tokens).toEqual(data.tokens);
  });

  it('holds a few hundred clients, some sharing an email, and clients of another business', () => {
    expect(ours.length).toBeGreaterThanOrEqual(300);
    const counts = new Map<string, number>();
    for (const c of ours) counts.set(c.email.toLowerCase(), (counts.get(c.email.toLowerCase()) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n === 2)).toHaveLength(3);
    expect(data.clients.length - ours.length).toBeGreaterThan(5);
  });

  it('holds a few dozen packages: USD and EUR, one inactive, two of one name, one of another business', () => {
    expect(ourPackages.length).toBeGreaterThanOrEqual(30);
    expect(new Set(ourPackages.map((p) => p.currency))).toEqual(new Set(['USD', 'EUR']));
    expect(ourPackages.filter((p) => p.active === false || p.active === 'false').map((p) => p.name)).toEqual(['Summer Special 2024']);
    expect(ourPackages.filter((p) => p.name === 'Drop-in Pass')).toHaveLength(2);
    expect(data.packages.length - ourPackages.length).toBe(1);
    expect(new Set(ourPackages.map((p) => p.expiration_unit))).toEqual(new Set(['d', 'D', 'w', 'W', 'm', 'M', 'y']));
  });

  it('regenerates byte for byte from samples/generate.mjs', async () => {
    const scratch = new URL('../../.tmp/generate-check/', import.meta.url);
    await mkdir(scratch, { recursive: true });
    try {
      for (const script of ['generate.mjs', 'generate-legacy.mjs', 'generate-renewals.mjs']) await copyFile(new URL(script, samples), new URL(script, scratch));
      await promisify(execFile)(process.execPath, [new URL('generate.mjs', scratch).pathname], { env: { ...process.env, TZ: 'Pacific/Auckland' } });
      for (const file of ['sandbox-data.json', 'legacy-memberships.csv', 'monthly-renewals.xlsx']) {
        expect((await readFile(new URL(file, scratch))).equals(await readFile(new URL(file, samples))), file).toBe(true);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

function exists(clientId: string, packageId: string, validFrom: string): boolean {
  const existing = sandbox.inspect.clientPackages(clientId) as Array<{ package_id: string; valid_from: string }>;
  return existing.some((p) => p.package_id === packageId && p.valid_from === validFrom);
}

/** The sample's dates: DD/MM/YYYY (the file has days over 12), YYYY-MM-DD, or an Excel serial. */
function isoOf(text: string): string {
  if (/^\d{5}$/.test(text)) return new Date(Date.UTC(1899, 11, 30) + Number(text) * 86_400_000).toISOString().slice(0, 10);
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  return dmy ? `${dmy[3]}-${dmy[2]?.padStart(2, '0')}-${dmy[1]?.padStart(2, '0')}` : text;
}

describe('samples/legacy-memberships.csv', () => {
  const rows = parse(legacyCsv, { columns: true }) as Array<Record<string, string>>;

  it('is a migration export of 200+ rows with the old system columns', () => {
    expect(rows.length).toBeGreaterThanOrEqual(200);
    expect(Object.keys(rows[0] ?? {})).toEqual(['Member ID', 'Customer Email', 'Membership', 'Start Date', 'End Date', 'Amount', 'Branch', 'Notes', 'Legacy Status']);
    const starts = rows.map((r) => r['Start Date'] ?? '');
    expect(starts.filter((s) => /^(1[3-9]|2\d|3[01])\/\d{2}\/\d{4}$/.test(s)).length).toBeGreaterThan(50);
    expect(starts.filter((s) => /^\d{4}-\d{2}-\d{2}$/.test(s)).length).toBeGreaterThan(10);
    expect(starts.filter((s) => /^\d{5}$/.test(s)).length).toBeGreaterThanOrEqual(3);
  });

  it('creates every row meant to succeed, and only those fail that are meant to', async () => {
    const byEmail = new Map<string, typeof ours>();
    for (const c of ours) byEmail.set(c.email.toLowerCase(), [...(byEmail.get(c.email.toLowerCase()) ?? []), c]);
    const seen = new Set<string>();
    const outcomes: string[] = [];
    for (const row of rows) {
      const clients = byEmail.get((row['Customer Email'] ?? '').trim().toLowerCase()) ?? [];
      const packages = ourPackages.filter((p) => normalName(p.name) === normalName(row.Membership ?? ''));
      const amount = (row.Amount ?? '').replace(/[$€,]/g, '');
      const body = {
        client_id: clients[0]?.id,
        package_id: packages[0]?.id,
        valid_from: isoOf(row['Start Date'] ?? ''),
        ...(row['End Date'] ? { valid_until: isoOf(row['End Date']) } : {}),
        ...(amount ? { price: Number(amount) } : {}),
      };
      const key = JSON.stringify(row);
      if (seen.has(key)) outcomes.push('duplicate row');
      else if (clients.length !== 1) outcomes.push(`${clients.length} clients`);
      else if (packages.length !== 1) outcomes.push(`${packages.length} packages`);
      else if (exists(body.client_id ?? '', body.package_id ?? '', body.valid_from)) outcomes.push('exists');
      else {
        const reply = await call(`${sandbox.fallbackUrl}${CREATE}`, { body, token: data.tokens.staff });
        outcomes.push(reply.status === 201 ? 'created' : reply.json.error);
      }
      seen.add(key);
    }
    const problems = outcomes.filter((o) => o !== 'created').sort();
    expect(problems).toEqual([
      '0 clients', // missing email
      '0 clients', // unknown email
      '0 packages', // unknown package name
      '2 clients', // shared email
      '2 packages', // two packages named Drop-in Pass
      'Package ' + ourPackages.find((p) => p.name === 'Summer Special 2024')?.id + ' (Summer Special 2024) is inactive',
      'duplicate row',
      'exists',
      'price must not be negative, got -50',
      'valid_from must be a real day written YYYY-MM-DD, got "2025-02-31"',
      'valid_until (2026-02-14) is before valid_from (2026-03-15)',
    ]);
  });
});

describe('samples/monthly-renewals.xlsx', () => {
  it('has a title and a blank row above the header, date cells, currency prices, and 50 rows that all create', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(fileURLToPath(new URL('monthly-renewals.xlsx', samples)));
    const sheet = workbook.worksheets[0];
    expect(sheet?.getCell('A1').value).toBe('Monthly renewals — December 2026');
    expect(sheet?.getRow(2).cellCount).toBe(0);
    expect(sheet?.getRow(3).values).toEqual([undefined, 'Client Email', 'Plan', 'Start', 'End', 'Price', 'Member since', 'Comment']);
    expect(sheet?.rowCount).toBe(53);
    for (let r = 4; r <= 53; r++) {
      const row = sheet?.getRow(r);
      const start = row?.getCell(3).value;
      expect(start).toBeInstanceOf(Date);
      expect((start as Date).toISOString()).toBe('2026-12-01T00:00:00.000Z');
      expect(row?.getCell(3).numFmt).toBe('dd/mm/yyyy');
      expect(typeof row?.getCell(5).value).toBe('number');
      expect(row?.getCell(5).numFmt).toContain('$');
      const client = ours.filter((c) => c.email === row?.getCell(1).value);
      const pkg = ourPackages.filter((p) => p.name === row?.getCell(2).value);
      expect([client.length, pkg.length]).toEqual([1, 1]);
      const end = row?.getCell(4).value;
      const body = { client_id: client[0]?.id, package_id: pkg[0]?.id, valid_from: '2026-12-01', price: row?.getCell(5).value, ...(end instanceof Date ? { valid_until: end.toISOString().slice(0, 10) } : {}) };
      expect((await call(`${sandbox.fallbackUrl}${CREATE}`, { body, token: data.tokens.staff })).status).toBe(201);
    }
  });
});
