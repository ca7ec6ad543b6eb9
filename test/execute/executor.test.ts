import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RowExecutor, type RowExecutorOptions } from '../../src/execute/executor.js';
import { Journal } from '../../src/execute/journal.js';
import { ApiError } from '../../src/execute/api-client.js';
import { StoppedBeforeSending } from '../../src/execute/rate-limit.js';
import type { CreateBody } from '../../src/execute/api-types.js';
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

/** Time that moves only when the executor sleeps, starting at `at`. */
function virtualClock(at = 1_700_000_000_000) {
  const clock = { at, delays: [] as number[] };
  return {
    clock,
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.delays.push(ms);
      clock.at += ms;
    },
  };
}

function executor(platform: FakePlatform, extra: Partial<RowExecutorOptions> = {}, time = virtualClock()) {
  const ex = new RowExecutor({
    api: platform,
    lookups: new Lookups(platform),
    packages: indexPackages(PACKAGES),
    onExisting: 'skip',
    dryRun: false,
    retries: 5,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    readBackDelayMs: 0,
    ...extra,
  });
  return { ex, delays: time.clock.delays, clock: time.clock, run: (r: AssignmentRecord) => ex.execute(r, identityKey(r)) };
}

/**
 * A platform that answers the next create unclearly (a gateway's 504: `finished` false) and makes the
 * package `afterMs` later, as a platform still at it when its gateway gave up does.
 */
function commitsLate(platform: FakePlatform, clock: { at: number }, afterMs: number): void {
  const create = platform.createClientPackage.bind(platform);
  const list = platform.listClientPackages.bind(platform);
  let late: { body: CreateBody; at: number } | undefined;
  let first = true;
  platform.createClientPackage = async (body) => {
    if (!first) return create(body);
    first = false;
    platform.posts.push(body);
    late = { body, at: clock.at + afterMs };
    return { kind: 'unknown', httpStatus: 504, message: 'Gateway Time-out', finished: false };
  };
  platform.listClientPackages = async (clientId) => {
    if (late && clock.at >= late.at) {
      const { body } = late;
      late = undefined;
      await create(body);
      platform.posts.pop(); // made by the first post, not a second one
    }
    return list(clientId);
  };
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

  it('marks the later row as duplicate even when the earlier one resolves last', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    // The email takes a while to look up; the client_id row needs no lookup at all.
    const lookups = new Lookups({
      searchClientsByEmail: async (email) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return platform.searchClientsByEmail(email);
      },
      listClientPackages: (id) => platform.listClientPackages(id),
    });
    const { run } = executor(platform, { lookups });
    const [byEmail, byId] = await Promise.all([run(record(2)), run(record(3, { clientEmail: undefined, clientId: 'cl_ann' }))]);
    expectOutcome(byEmail, { status: 'created', sourceRow: 2 });
    expectOutcome(byId, { status: 'duplicate', messageIncludes: 'as row 2' });
    expect(platform.posts).toHaveLength(1);
  });

  describe('a row with both a client_id and an email', () => {
    /** Lookups over `platform` whose email searches are counted and may be slowed or made to fail. */
    function emailLookups(platform: FakePlatform, search: (email: string) => Promise<void> = async () => undefined) {
      const searched: string[] = [];
      const lookups = new Lookups({
        searchClientsByEmail: async (email) => {
          searched.push(email);
          await search(email);
          return platform.searchClientsByEmail(email);
        },
        listClientPackages: (id) => platform.listClientPackages(id),
      });
      return { lookups, searched };
    }

    it('goes on only when the id is one of the clients the email finds, each email looked up once', async () => {
      const platform = new FakePlatform(CLIENTS, PACKAGES);
      const { lookups, searched } = emailLookups(platform);
      const { run } = executor(platform, { lookups });
      const wrong = await run(record(2, { clientId: 'cl_bob' }));
      expectOutcome(wrong, {
        status: 'failed',
        messageIncludes: 'client_id cl_bob is not the client with the email ann@example.com (that email belongs to cl_ann)',
      });
      expect(wrong).toMatchObject({ code: 'CLIENT_MISMATCH' });
      expect(wrong.resolvedClientId).toBeUndefined();
      expectOutcome(await run(record(3, { clientEmail: 'Nobody@Example.com', clientId: 'cl_bob' })), {
        status: 'failed',
        messageIncludes: 'client_id cl_bob is not the client with the email Nobody@Example.com (no client has that email)',
      });
      expectOutcome(await run(record(4, { clientEmail: 'twin@example.com', clientId: 'cl_twin' })), {
        status: 'failed',
        messageIncludes: '(that email belongs to cl_twin1, cl_twin2)',
      });
      expect(platform.posts).toHaveLength(0);

      // The id the "ambiguous" message asks for picks one of the clients sharing the email.
      const twin = await run(record(5, { clientEmail: 'TWIN@example.com', clientId: 'cl_twin2' }));
      expectOutcome(twin, { status: 'created', messageIncludes: 'for TWIN@example.com' });
      expect(twin.resolvedClientId).toBe('cl_twin2');
      expectOutcome(await run(record(6, { clientId: 'cl_ann', validFrom: '2025-02-01' })), { status: 'created' });
      expectOutcome(await run(record(7, { clientEmail: undefined, clientId: 'cl_bob' })), { status: 'created' });
      expect(platform.posts.map((p) => p.client_id)).toEqual(['cl_twin2', 'cl_ann', 'cl_bob']);
      // A row with only a client_id is not looked up; every email once, however it is written.
      expect(searched).toEqual(['ann@example.com', 'nobody@example.com', 'twin@example.com']);
    });

    it('a lookup that fails fails the row as for an email alone, and a rejected token stops the run', async () => {
      const platform = new FakePlatform(CLIENTS, PACKAGES);
      const unreachable = emailLookups(platform, async () => {
        throw new ApiError('GET /platform/v1/clients: no answer', { networkError: 'ECONNRESET' });
      });
      const failed = await executor(platform, { lookups: unreachable.lookups }).run(record(2, { clientId: 'cl_ann' }));
      expectOutcome(failed, { status: 'failed', messageIncludes: 'looking up the client ann@example.com failed: GET /platform/v1/clients: no answer (nothing was sent for this row: importing it again is safe)' });
      expect(failed.code).toBe('LOOKUP_FAILED');

      const rejected = emailLookups(platform, async () => {
        throw new ApiError('GET /platform/v1/clients: 401', { httpStatus: 401 });
      });
      await expect(executor(platform, { lookups: rejected.lookups }).run(record(3, { clientId: 'cl_ann' }))).rejects.toMatchObject({
        code: 'TOKEN_REJECTED',
      });
      expect(platform.posts).toHaveLength(0);
    });

    it('claims in sheet order while its email is looked up: a later row naming the same by ids alone is the duplicate', async () => {
      const platform = new FakePlatform(CLIENTS, PACKAGES);
      const { lookups } = emailLookups(platform, () => new Promise((resolve) => setTimeout(resolve, 30)));
      const { run } = executor(platform, { lookups });
      const byIds = record(3, { clientEmail: undefined, clientId: 'cl_ann', packageName: undefined, packageId: 'pk_gold' });
      const [both, byId] = await Promise.all([run(record(2, { clientId: 'cl_ann' })), run(byIds)]);
      expectOutcome(both, { status: 'created', sourceRow: 2 });
      expectOutcome(byId, { status: 'duplicate', messageIncludes: 'as row 2' });
      expect(platform.posts).toHaveLength(1);
    });
  });

  it.each(['skip', 'create'] as const)(
    'with --on-existing %s, a row resolving to what an earlier run of the sheet made is a duplicate on the rerun, never made again',
    async (onExisting) => {
      const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
      const platform = new FakePlatform(CLIENTS, PACKAGES);
      const canary = await journalIn(dir);
      expectOutcome(await executor(platform, { journal: canary, onExisting }).run(record(3)), { status: 'created' });
      await canary.close();

      // The whole sheet: row 2 names the same client by id and comes first.
      const whole = executor(platform, { journal: await journalIn(dir), onExisting });
      const byId = await whole.run(record(2, { clientEmail: undefined, clientId: 'cl_ann' }));
      expectOutcome(byId, { status: 'duplicate', messageIncludes: `an earlier run of this sheet created (${platform.created[0]!.id})` });
      expectOutcome(await whole.run(record(3)), { status: 'created', sourceRow: 3 });
      expectOutcome(await whole.run(record(4, { clientEmail: undefined, clientId: 'cl_ann' })), { status: 'duplicate', messageIncludes: 'as row 3' });
      expect(platform.posts).toHaveLength(1);
      expect(platform.duplicates()).toEqual([]);
    },
  );

  it('a row whose create an earlier run sent and never heard back about keeps its package: another row naming it otherwise is the duplicate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const time = virtualClock();
    commitsLate(platform, time.clock, 40_000);
    const controller = new AbortController();
    const stopping = { ...time, sleep: async (ms: number) => { await time.sleep(Math.min(ms, 10_000)); if (ms >= 30_000) controller.abort(); } };
    const first = await journalIn(dir);
    const byId = record(3, { clientEmail: undefined, clientId: 'cl_ann' });
    // Run 1: row 2's lookup failed; row 3's create got a 504, and the run stopped while it settled.
    expectOutcome(await executor(platform, { journal: first, signal: controller.signal }, stopping).run(byId), { status: 'failed' });
    await first.close();

    const rerun = executor(platform, { journal: await journalIn(dir) }, time);
    const [byEmail, again] = await Promise.all([rerun.run(record(2)), rerun.run(byId)]);
    expectOutcome(byEmail, { status: 'duplicate', messageIncludes: 'as a row an earlier run of this sheet sent' });
    expectOutcome(again, { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(platform.posts).toHaveLength(1);
    expect(platform.duplicates()).toEqual([]);
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

  it('retries after a 500 of the platform itself once the read-back shows nothing, without waiting for it to settle', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = ['500-before', '500-before'];
    const { run, delays } = executor(platform);
    const outcome = await run(record(2));
    expectOutcome(outcome, { status: 'created' });
    expect(outcome.attempts).toBe(3);
    expect(platform.created).toHaveLength(1);
    expect(delays.filter((d) => d > 0)).toEqual([125, 250]); // the backoff, nothing more
  });

  it('sends again after a dropped connection only once the create has had its time to finish and is still not there', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.faults = ['drop-before', 'drop-before'];
    const { run, delays } = executor(platform, { settleMs: 30_000 });
    const outcome = await run(record(2));
    expectOutcome(outcome, { status: 'created' });
    expect(outcome.attempts).toBe(3);
    expect(platform.created).toHaveLength(1);
    expect(delays.filter((d) => d > 0)).toEqual([30_000, 125, 30_000, 250]);
  });

  it('a create answered 503 with Retry-After is not sent again before the time it asked for, counted from its answer', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run, clock } = executor(platform, { settleMs: 10_000 });
    const create = platform.createClientPackage.bind(platform);
    const sentAt: number[] = [];
    platform.createClientPackage = async (body) => {
      sentAt.push(clock.at);
      if (sentAt.length > 1) return create(body);
      return { kind: 'unknown', httpStatus: 503, message: 'Service Unavailable', finished: false, retryAfterMs: 45_000 };
    };
    expectOutcome(await run(record(2)), { status: 'created' });
    expect(platform.created).toHaveLength(1);
    expect(sentAt[1]! - sentAt[0]!).toBe(45_000); // the 10 s settle was part of it, not added to it
  });

  it.each([
    ['3 s after a 504', 3_000],
    ['59 s after a 504', 59_000],
  ])('a create the platform makes %s is found when read back, and never sent again', async (_when, afterMs) => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run, clock } = executor(platform, { readBackDelayMs: 1_000 });
    commitsLate(platform, clock, afterMs);
    const outcome = await run(record(2));
    expectOutcome(outcome, { status: 'created', messageIncludes: 'confirmed by reading back after: Gateway Time-out' });
    expect(platform.posts).toHaveLength(1);
    expect(platform.created).toHaveLength(1);
    expect(outcome.clientPackageId).toBe(platform.created[0]!.id);
  });

  it('a create still not there when its time to settle is up is sent again, once', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run, clock } = executor(platform, { settleMs: 10_000 });
    commitsLate(platform, clock, 10 * 60_000);
    expectOutcome(await run(record(2)), { status: 'created', messageIncludes: 'Gold 10 Pack' });
    expect(platform.posts).toHaveLength(2);
  });

  it('stopped while a create settles: outcome unknown, not sent again, and a rerun waits out the rest before reading back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const time = virtualClock();
    const controller = new AbortController();
    const stopping: typeof time = {
      ...time,
      sleep: async (ms) => {
        await time.sleep(ms >= 60_000 ? 20_000 : ms); // Ctrl-C 20 s into the wait
        if (ms >= 60_000) controller.abort();
      },
    };
    commitsLate(platform, time.clock, 45_000);
    const journal = await journalIn(dir);
    const first = await executor(platform, { journal, signal: controller.signal }, stopping).run(record(2));
    expectOutcome(first, { status: 'failed', messageIncludes: 'the run stopped before the platform had had its time to finish it' });
    expect(first.code).toBe('OUTCOME_UNKNOWN');
    expect(platform.posts).toHaveLength(1);
    await journal.close();

    // Rerun 5 s later: the create answered 25 s ago is given its other 35 s, then read back.
    time.clock.at += 5_000;
    const second = executor(platform, { journal: await journalIn(dir) }, time);
    const outcome = await second.run(record(2));
    expectOutcome(outcome, { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(time.clock.delays.at(-1)).toBe(35_000);
    expect(platform.posts).toHaveLength(1);
    expect(platform.duplicates()).toEqual([]);
  });

  /** A journal in `dir` left by a run killed while row 2's create was out, its intent written at `at`. */
  async function killedWithCreateOut(dir: string, at: number | undefined): Promise<void> {
    const killed = await journalIn(dir);
    await (at === undefined ? killed.intent(identityKey(record(2)), [], 1) : killed.intent(identityKey(record(2)), [], 1, at));
    await killed.close();
    if (at === undefined) {
      // As a journal of an earlier version wrote it: no time on the intent.
      const path = join(dir, 'results.csv.journal');
      const text = await readFile(path, 'utf8');
      await writeFile(path, text.replace(/,"at":\d+/, ''));
    }
  }

  it('a rerun after a run killed while its create was out gives it until its answer was due and the settle time after, then reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const time = virtualClock();
    await killedWithCreateOut(dir, time.clock.at);
    // The killed run's create: its gateway gives up at 60 s, the platform makes it at 90 s.
    commitsLate(platform, time.clock, 90_000);
    await platform.createClientPackage({ client_id: 'cl_ann', package_id: 'pk_gold', valid_from: '2025-01-01' });
    time.clock.at += 5_000; // rerun 5 s after the kill
    const { run, delays } = executor(platform, { journal: await journalIn(dir) }, time);
    const outcome = await run(record(2));
    expectOutcome(outcome, { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(delays).toEqual([60_000 + 60_000 - 5_000]);
    expect(platform.posts).toHaveLength(1);
  });

  it('a dry run after a run killed while its create was out waits for nothing, sends nothing, and says the import reads it back first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    await killedWithCreateOut(dir, 1_700_000_000_000);
    const earlier = await Journal.peek(join(dir, 'results.csv.journal'), RUN);
    const { run, delays } = executor(platform, { dryRun: true, ...(earlier && { earlier }) });
    expectOutcome(await run(record(2)), { status: 'would_create', messageIncludes: 'an earlier run sent it and got no clear answer' });
    expect(delays).toEqual([]);
    expect(platform.posts).toHaveLength(0);
  });

  it('a journal of an earlier version, with no time on the intent: the whole settle time from the rerun\'s start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    await killedWithCreateOut(dir, undefined);
    const time = virtualClock();
    commitsLate(platform, time.clock, 50_000);
    await platform.createClientPackage({ client_id: 'cl_ann', package_id: 'pk_gold', valid_from: '2025-01-01' });
    const { run, delays } = executor(platform, { journal: await journalIn(dir) }, time);
    expectOutcome(await run(record(2)), { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(delays).toEqual([60_000]);
    expect(platform.posts).toHaveLength(1);
  });

  it('a rerun reaching the row after its time is up still reads back afresh, not the client\'s packages as another row read them earlier', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const time = virtualClock();
    await killedWithCreateOut(dir, time.clock.at);
    commitsLate(platform, time.clock, 150_000);
    await platform.createClientPackage({ client_id: 'cl_ann', package_id: 'pk_gold', valid_from: '2025-01-01' });
    const { run } = executor(platform, { journal: await journalIn(dir) }, time);
    time.clock.at += 130_000;
    expectOutcome(await run(record(3, { validFrom: '2025-02-01' })), { status: 'created' }); // reads Ann's packages: not there yet
    time.clock.at += 30_000; // the platform has made it meanwhile
    expectOutcome(await run(record(2)), { status: 'created', messageIncludes: 'confirmed by reading back' });
    expect(platform.posts).toHaveLength(2);
    expect(platform.duplicates()).toEqual([]);
  });

  it('a rerun stopped, or unable to read back, while an earlier run\'s create settles sends nothing and says the outcome is unknown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const time = virtualClock();
    await killedWithCreateOut(dir, time.clock.at);
    const controller = new AbortController();
    const stopping = { ...time, sleep: async (ms: number) => { await time.sleep(ms); controller.abort(); } };
    const stopped = await executor(platform, { journal: await journalIn(dir), signal: controller.signal }, stopping).run(record(2));
    expectOutcome(stopped, { status: 'failed', messageIncludes: 'the run stopped before the platform had had its time to finish it' });

    const unreadable = new FakePlatform(CLIENTS, PACKAGES);
    const dir2 = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    await killedWithCreateOut(dir2, time.clock.at);
    const original = unreadable.listClientPackages.bind(unreadable);
    let reads = 0;
    unreadable.listClientPackages = async (id) => {
      if (++reads > 1) throw new Error('read failed (503)');
      return original(id);
    };
    const failed = await executor(unreadable, { journal: await journalIn(dir2) }, time).run(record(2));
    expectOutcome(failed, { status: 'failed', messageIncludes: 'reading it back failed (read failed (503))' });
    expect(failed.code).toBe('OUTCOME_UNKNOWN');
    expect([...platform.posts, ...unreadable.posts]).toEqual([]);
  });

  it('a create whose read back fails after its settle time is not sent again', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const { run, clock } = executor(platform);
    commitsLate(platform, clock, 10 * 60_000);
    const list = platform.listClientPackages.bind(platform);
    let reads = 0;
    platform.listClientPackages = async (id) => {
      if (++reads > 2) throw new Error('read failed (503)'); // the check of existing, the first read back, then this
      return list(id);
    };
    const outcome = await run(record(2));
    expectOutcome(outcome, { status: 'failed', messageIncludes: 'reading it back failed' });
    expect(outcome.code).toBe('OUTCOME_UNKNOWN');
    expect(platform.posts).toHaveLength(1);
  });

  it('a create that answered a success it could not read, and is not there after its settle time, is not sent again', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.createClientPackage = async (body) => {
      platform.posts.push(body);
      return { kind: 'unknown', httpStatus: 202, message: 'the create answered 202 but the answer could not be read', finished: false };
    };
    const outcome = await executor(platform).run(record(2));
    expectOutcome(outcome, { status: 'failed', messageIncludes: 'the platform answered that it was made, yet it was not there when read back' });
    expect(platform.posts).toHaveLength(1);
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
    expect(elsewhere.elsewhere?.unsettled).toBe(0);
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

  it('a finished row whose price was edited in the sheet since keeps what was made, and says the price differs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    const first = await journalIn(dir);
    await executor(platform, { journal: first }).run(record(2, { price: '10.5' }));
    await first.close();
    const outcome = await executor(platform, { journal: await journalIn(dir) }).run(record(2, { price: '99' }));
    expectOutcome(outcome, { status: 'created', messageIncludes: 'the sheet now says 99, but the package was made at 10.5 by an earlier run' });
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
    // Never sent, so nothing to give time to settle.
    expect(resumed.priorState(identityKey(r))?.unsettledSince).toBeUndefined();
    await resumed.close();
  });

  it('a create the limiter refuses once the run has stopped is pending, and the journal says it was never sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cp-exec-'));
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.createClientPackage = async () => {
      throw new StoppedBeforeSending(); // waiting for a slot when Ctrl-C came
    };
    const journal = await journalIn(dir);
    const { ex } = executor(platform, { journal });
    const r = record(2);
    expectOutcome(await ex.execute(r, identityKey(r)), { status: 'pending', messageIncludes: 'interrupted' });
    await journal.close();

    const resumed = await journalIn(dir);
    expect(resumed.priorState(identityKey(r))?.unsettledSince).toBeUndefined();
    await resumed.close();
  });

  it('lookups the limiter refuses once the run has stopped leave their rows pending, not failed', async () => {
    const platform = new FakePlatform(CLIENTS, PACKAGES);
    platform.searchClientsByEmail = async () => {
      throw new StoppedBeforeSending();
    };
    const { run } = executor(platform);
    expectOutcome(await run(record(2)), { status: 'pending', messageIncludes: 'interrupted' });
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
