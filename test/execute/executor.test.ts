import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RowExecutor, type RowExecutorOptions } from '../../src/execute/executor.js';
import { Journal } from '../../src/execute/journal.js';
import type { AssignmentRecord } from '../../src/pipeline/types.js';
import { Lookups } from '../../src/resolve/lookups.js';
import { indexPackages } from '../../src/resolve/resolve.js';
import { identityKey } from '../../src/validate/index.js';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { CLIENTS, FakePlatform, PACKAGES } from '../helpers/fake-platform.js';

const RUN = { apiUrl: 'http://127.0.0.1:1', fallbackUrl: 'http://127.0.0.1:1' };

function record(sourceRow: number, fields: Partial<AssignmentRecord> = {}): AssignmentRecord {
  return { sourceRow, clientEmail: 'ann@example.com', packageName: 'gold 10 pack', validFrom: '2025-01-01', ...fields };
}

async function journalIn(dir: string): Promise<Journal> {
  return Journal.open(join(dir, 'results.csv.journal'), RUN);
}

function executor(platform: FakePlatform, extra: Partial<RowExecutorOptions> = {}) {
  const delays: number[] = [];
  const ex = new RowExecutor({
    api: platform,
    lookups: new Lookups(platform),
    packages: indexPackages(PACKAGES),
    onExisting: 'skip',
    dryRun: false,
    retries: 5,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    readBackDelayMs: 0,
    ...extra,
  });
  return { ex, delays, run: (r: AssignmentRecord) => ex.execute(r, identityKey(r)) };
}

describe('RowExecutor', () => {
  it('creates a package and says what was sent', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run } = executor(platform);
    const outcome = await run(record(2, { price: '99.5' }));
    expectOutcome(outcome, { status: 'created', sourceRow: 2, messageIncludes: 'Gold 10 Pack' });
    expect(outcome.message).toContain('ann@example.com');
    expect(outcome.message).toContain('2025-01-01');
    expect(outcome).toMatchObject({ resolvedClientId: 'cl_ann', resolvedPackageId: 'pk_gold', attempts: 1, httpStatus: 201 });
    expect(platform.posts).toEqual([{ client_id: 'cl_ann', package_id: 'pk_gold', valid_from: '2025-01-01', price: 99.5 }]);
  });

  it('fails rows it cannot resolve, with the reason', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run } = executor(platform);
    expectOutcome(await run(record(2, { clientEmail: 'nobody@example.com' })), { status: 'failed', messageIncludes: 'client not found' });
    expectOutcome(await run(record(3, { clientEmail: 'twin@example.com' })), { status: 'failed', messageIncludes: 'ambiguous: 2 clients' });
    expectOutcome(await run(record(4, { packageName: 'Gold 10' })), { status: 'failed', messageIncludes: '"Gold 10 Pack"' });
    expectOutcome(await run(record(5, { packageName: 'legacy plan' })), { status: 'failed', messageIncludes: 'inactive' });
    expectOutcome(await run(record(6, { packageName: 'YOGA' })), { status: 'failed', messageIncludes: 'ambiguous: 2 packages' });
    expect(platform.posts).toHaveLength(0);
  });

  it('looks each email and each client up once', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run } = executor(platform);
    await Promise.all([1, 2, 3].map((n) => run(record(n + 1, { validFrom: `2025-0${n}-01` }))));
    expect(platform.reads).toEqual(['cl_ann']);
    expect(platform.created).toHaveLength(3);
  });

  it('skips a package that already exists, or creates it with on-existing create', async () => {
    const existing = [{ id: 'cp_old', clientId: 'cl_ann', packageId: 'pk_gold', validFrom: '2025-01-01' }];
    const skipping = new FakePlatform(CLIENTS, PACKAGES, existing);
    expectOutcome(await executor(skipping).run(record(2)), { status: 'skipped', messageIncludes: 'cp_old' });
    expect(skipping.posts).toHaveLength(0);

    const creating = new FakePlatform(CLIENTS, PACKAGES, existing);
    expectOutcome(await executor(creating, { onExisting: 'create' }).run(record(2)), { status: 'created' });
    expect(creating.created).toHaveLength(1);
  });

  it('marks the later of two rows that resolve to the same package as duplicate', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run } = executor(platform);
    await run(record(2, { clientEmail: 'ann@example.com' }));
    expectOutcome(await run(record(3, { clientEmail: undefined, clientId: 'cl_ann' })), {
      status: 'duplicate',
      messageIncludes: 'row 2',
    });
    expect(platform.created).toHaveLength(1);
  });

  it('sends nothing on a dry run', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const outcome = await executor(platform, { dryRun: true }).run(record(2));
    expectOutcome(outcome, { status: 'would_create', messageIncludes: 'would create "Gold 10 Pack"' });
    expect(platform.posts).toHaveLength(0);
  });

  it.each(['drop-after', '500-after'] as const)('reads back after %s and does not create again', async (fault) => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = [fault];
    const outcome = await executor(platform).run(record(2));
    expectOutcome(outcome, { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(platform.posts).toHaveLength(1);
    expect(platform.duplicates()).toEqual([]);
  });

  it.each(['drop-before', '500-before'] as const)('retries after %s once the read-back shows nothing', async (fault) => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = [fault, fault];
    const { run, delays } = executor(platform);
    const outcome = await run(record(2));
    expectOutcome(outcome, { status: 'created' });
    expect(outcome.attempts).toBe(3);
    expect(platform.created).toHaveLength(1);
    expect(delays.filter((d) => d > 0).length).toBe(2);
  });

  it('gives up after --retries with the last error and nothing created', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = Array(10).fill('500-before');
    const outcome = await executor(platform, { retries: 2 }).run(record(2));
    expectOutcome(outcome, { status: 'failed', messageIncludes: 'not created after 3 attempts' });
    expect(platform.posts).toHaveLength(3);
    expect(platform.created).toHaveLength(0);
  });

  it('a create given up after --retries is journaled as read back and not made, and a resumed run sends it once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = Array(3).fill('500-before');
    const journal = await journalIn(dir);
    const given = await executor(platform, { journal, retries: 2 }).run(record(2));
    expectOutcome(given, { status: 'failed', messageIncludes: 'not created after 3 attempts' });
    expect(given.code).toBe('API_UNAVAILABLE');
    await journal.close();
    // Settled: seen from a run against other URLs, nothing is left to read back.
    const elsewhere = await Journal.open(join(dir, 'results.csv.journal'), { apiUrl: 'https://other.example.test', fallbackUrl: 'https://other.example.test' });
    expect(elsewhere.unsettledElsewhere).toBeUndefined();
    await elsewhere.close();

    const outcome = await executor(platform, { journal: await journalIn(dir) }).run(record(2));
    expectOutcome(outcome, { status: 'created' });
    expect(platform.posts).toHaveLength(4);
    expect(platform.created).toHaveLength(1);
  });

  it('does not retry a 422, and puts the server message on the row', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = ['422'];
    const outcome = await executor(platform).run(record(2));
    expectOutcome(outcome, { status: 'failed', messageIncludes: 'package inactive' });
    expect(outcome.httpStatus).toBe(422);
    expect(platform.posts).toHaveLength(1);
  });

  it('never sends again when the outcome stays unknown, and a resumed run finds the package', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = ['drop-after'];
    platform.failReads = 0;
    const firstJournal = await journalIn(dir);
    const first = executor(platform, { journal: firstJournal, onExisting: 'create' });
    // The existing-check read succeeds; the read-back after the lost answer fails.
    const original = platform.listClientPackages.bind(platform);
    let reads = 0;
    platform.listClientPackages = async (id) => {
      if (++reads > 1) throw new Error('read failed (503)');
      return original(id);
    };
    expectOutcome(await first.run(record(2)), { status: 'failed', messageIncludes: 'outcome unknown' });
    expect(platform.posts).toHaveLength(1);

    await firstJournal.close();
    platform.listClientPackages = original;
    const second = executor(platform, { journal: await journalIn(dir), onExisting: 'create' });
    const outcome = await second.run(record(2));
    expectOutcome(outcome, { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(platform.posts).toHaveLength(1);
    expect(platform.duplicates()).toEqual([]);
  });

  it('reuses a finished outcome on resume, matched by content not position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const journal = await journalIn(dir);
    await executor(platform, { journal }).run(record(2));
    await journal.close();

    const resumed = executor(platform, { journal: await journalIn(dir), onExisting: 'create' });
    const outcome = await resumed.run(record(7));
    expectOutcome(outcome, { status: 'created', sourceRow: 7 });
    expect(platform.posts).toHaveLength(1);
  });

  it('turns a rejected token into a run error', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.createClientPackage = async () => ({ kind: 'rejected', httpStatus: 422, message: 'Unauthorized' });
    await expect(executor(platform).run(record(2))).rejects.toMatchObject({ code: 'TOKEN_NOT_STAFF' });
  });

  it('sends no create once the run has stopped, even for a row already past its lookups', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const controller = new AbortController();
    const lookups = new Lookups({
      searchClientsByEmail: (email) => platform.searchClientsByEmail(email),
      listClientPackages: async (clientId) => {
        const found = await platform.listClientPackages(clientId);
        controller.abort(); // Ctrl-C while the row read the client's packages
        return found;
      },
    });
    const { ex } = executor(platform, { signal: controller.signal, lookups });
    const r = record(2);
    expectOutcome(await ex.execute(r, identityKey(r)), { status: 'pending', messageIncludes: 'interrupted' });
    expect(platform.posts).toHaveLength(0);
  });

  it('sends no create when the run stops while the row\'s intent is being written; a rerun reads back first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const controller = new AbortController();
    const journal = await journalIn(dir);
    const intent = journal.intent.bind(journal);
    journal.intent = async (...args) => {
      await intent(...args);
      controller.abort(); // Ctrl-C while the intent was made durable
    };
    const { ex } = executor(platform, { signal: controller.signal, journal });
    const r = record(2);
    expectOutcome(await ex.execute(r, identityKey(r)), { status: 'pending', messageIncludes: 'interrupted' });
    expect(platform.posts).toHaveLength(0);
    await journal.close();

    const resumed = await journalIn(dir);
    expect(resumed.priorState(identityKey(r))?.before).toEqual([]);
    await resumed.close();
  });

  it('leaves a row pending when interrupted while waiting to retry', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = ['500-before'];
    const controller = new AbortController();
    const { ex } = executor(platform, {
      signal: controller.signal,
      sleep: async (ms) => {
        if (ms > 0) controller.abort();
      },
    });
    const r = record(2);
    expectOutcome(await ex.execute(r, identityKey(r)), { status: 'pending', messageIncludes: 'interrupted' });
    expect(platform.created).toHaveLength(0);
  });
});
