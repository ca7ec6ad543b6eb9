// Package names through a whole import against the sandbox: which package each row is created with,
// as the server saw it, and what the results say.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/pipeline/run-import.js';
import type { SandboxData } from '../../src/sandbox/data.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { tempDir } from '../helpers/sheets.js';

const DATA: SandboxData = {
  business_id: 'bz_1',
  tokens: { staff: 'tok_staff_names', directory: 'tok_directory_names' },
  clients: [{ id: 'cl_ann', email: 'ann@example.com', first_name: 'Ann', last_name: 'Lee', created_at: '2024-01-01T00:00:00Z' }],
  packages: [
    { id: 'pk_premium', name: 'Premium', price: '100', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm' },
    { id: 'pk_premium_plus', name: 'Premium+', price: '150', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm' },
    { id: 'pk_eur50', name: '€50 Voucher', price: '50', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm' },
    { id: 'pk_yoga_cpp', name: 'Yoga C++', price: '60', currency: 'USD', active: true, expiration: 1, expiration_unit: 'm' },
  ],
};

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('package names in an import', () => {
  it('creates each row with the package of that very name, never one that differs in punctuation', async () => {
    sandbox = await startSandbox({ port: 0, seed: 1, data: DATA });
    const dir = await tempDir();
    const file = join(dir, 'renewals.csv');
    const rows = [
      'Email;Package;Start',
      'ann@example.com;Premium;2027-01-01',
      'ann@example.com;Premium+;2027-01-01',
      'ann@example.com;$50 Voucher;2027-01-01',
      'ann@example.com;Yoga C;2027-01-01',
      'ann@example.com;  PREMIUM ;2027-02-01',
    ];
    await writeFile(file, `${rows.join('\r\n')}\r\n`);
    const result = await runImport({ file, apiUrl: sandbox.mainUrl, fallbackUrl: sandbox.fallbackUrl, token: DATA.tokens.staff, rate: 200 });

    const sent = sandbox.inspect.created().map((c) => (c.body as { package_id: string; valid_from: string }));
    expect(sent.map((b) => `${b.package_id} ${b.valid_from}`).sort()).toEqual(['pk_premium 2027-01-01', 'pk_premium 2027-02-01', 'pk_premium_plus 2027-01-01']);

    const text = (await readFile(result.files.results, 'utf8')).replace(/^\uFEFF/, '');
    const out = parse(text, { columns: true, delimiter: ';' }) as Array<Record<string, string>>;
    expect(out.map((r) => [r.Package, r.status, r.resolved_package_id])).toEqual([
      ['Premium', 'created', 'pk_premium'],
      ['Premium+', 'created', 'pk_premium_plus'],
      ['$50 Voucher', 'failed', ''],
      ['Yoga C', 'failed', ''],
      ['  PREMIUM ', 'created', 'pk_premium'],
    ]);
    expect(out[2]?.message).toBe('package not found: no package is named "$50 Voucher"; closest: "€50 Voucher"');
    expect(out[3]?.message).toBe('package not found: no package is named "Yoga C"; closest: "Yoga C++"');
  });
});
