// Shared by the chaos tests: a seeded random source, the seed printed when a test fails, and the
// check that a results sheet and the sandbox agree row by row.
import { randomInt } from 'node:crypto';
import { expect, onTestFailed } from 'vitest';
import type { Sandbox } from '../../src/sandbox/server.js';
import type { PlannedRow } from '../helpers/sheets.js';

export { mulberry32 } from '../../src/sandbox/faults.js';

/** CHAOS_SEED replays a run; otherwise a fresh seed, printed if the test fails. */
export function chaosSeed(name: string): number {
  const fixed = process.env.CHAOS_SEED;
  const seed = fixed !== undefined ? Number(fixed) : randomInt(0, 2 ** 31 - 1);
  onTestFailed(() => {
    console.error(`${name} failed with seed ${seed}: rerun with CHAOS_SEED=${seed}`);
  });
  return seed;
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${raw}`);
  return n;
}

interface WireRow {
  id: string;
  package_id: string;
  valid_from: string;
}

/**
 * Every planned row has exactly one package on the server, and the results row names it:
 * created or skipped, with a client_package_id the server holds for that client, package and date.
 */
export function expectResultsMatchServer(
  sandbox: Sandbox,
  planned: readonly PlannedRow[],
  results: ReadonlyArray<Record<string, string>>,
): void {
  expect(sandbox.inspect.duplicates()).toEqual([]);
  expect(sandbox.inspect.created()).toHaveLength(planned.length);
  expect(results).toHaveLength(planned.length);
  const byClient = new Map<string, WireRow[]>();
  planned.forEach((row, i) => {
    const result = results[i]!;
    expect(result.source_row, `row ${i + 1}`).toBe(String(i + 2));
    expect(['created', 'skipped'], `row ${i + 1}: ${result.status} ${result.message}`).toContain(result.status);
    let packages = byClient.get(row.clientId);
    if (!packages) {
      packages = sandbox.inspect.clientPackages(row.clientId) as WireRow[];
      byClient.set(row.clientId, packages);
    }
    const matching = packages.filter((p) => p.package_id === row.packageId && p.valid_from === row.validFrom);
    expect(matching, `row ${i + 1} on the server`).toHaveLength(1);
    expect(result.client_package_id, `row ${i + 1} client_package_id`).toBe(matching[0]!.id);
  });
}
