import { closeSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/execute/journal.js';
import { lockText } from './helpers/colliding-runs.js';

const RUN = { apiUrl: 'https://api.example.test', fallbackUrl: 'https://fallback.example.test' };

const OTHER_RUN = { ...RUN, apiUrl: 'https://other.example.test' };

async function fresh(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'cp-journal-')), 'sheet.results.csv.journal');
}

/** A journal left by a run against RUN with one row created, and its text. */
async function journalOfOneRow(): Promise<{ path: string; text: string }> {
  const path = await fresh();
  const j = await Journal.open(path, RUN);
  await j.outcome('b', { sourceRow: 3, status: 'created', message: 'created' });
  await j.close();
  return { path, text: await readFile(path, 'utf8') };
}

describe('Journal', () => {
  it('remembers intents and finished outcomes across runs', async () => {
    const path = await fresh();
    const first = await Journal.open(path, RUN);
    expect(first.resumed).toBe(false);
    await first.intent('a', ['cp_1'], 1, 1_000);
    await first.intent('a', ['cp_1', 'cp_9'], 2, 2_000);
    await first.outcome('b', { sourceRow: 3, status: 'created', message: 'created', clientPackageId: 'cp_2' });
    await first.outcome('c', { sourceRow: 4, status: 'failed', message: 'rejected' });
    await first.close();

    const second = await Journal.open(path, RUN);
    expect(second.resumed).toBe(true);
    // The create of attempt 2 never got an answer: it may still be under way.
    expect(second.priorState('a')).toEqual({ before: ['cp_1'], attempts: 2, unsettledSince: { sentAfter: 2_000 } });
    expect(second.priorState('b')?.done).toMatchObject({ status: 'created', clientPackageId: 'cp_2' });
    expect(second.priorState('c')?.done).toBeUndefined();
    await second.close();
  });

  it('remembers when a create may still be under way, and since when', async () => {
    const path = await fresh();
    const first = await Journal.open(path, RUN);
    await first.intent('sent', [], 1, 900_000);
    await first.intent('gateway', [], 1);
    await first.unclear('gateway', 1_000_000, false);
    await first.intent('platform', [], 1);
    await first.unclear('platform', 1_000_000, true);
    await first.intent('given up', [], 1);
    await first.unclear('given up', 1_000_000, false);
    await first.outcome('given up', { sourceRow: 5, status: 'failed', message: 'not created after 1 attempt' });
    await first.intent('sent again', [], 1);
    await first.unclear('sent again', 1_000_000, false);
    await first.intent('sent again', [], 2, 1_100_000);
    await first.close();

    const second = await Journal.open(path, RUN);
    expect(second.priorState('sent')?.unsettledSince).toEqual({ sentAfter: 900_000 });
    expect(second.priorState('gateway')?.unsettledSince).toEqual({ answeredAt: 1_000_000 });
    expect(second.priorState('platform')?.unsettledSince).toBeUndefined();
    expect(second.priorState('given up')?.unsettledSince).toBeUndefined();
    expect(second.priorState('sent again')).toEqual({ before: [], attempts: 2, unsettledSince: { sentAfter: 1_100_000 } });
    await second.close();
  });

  it('survives a torn last line', async () => {
    const path = await fresh();
    const j = await Journal.open(path, RUN);
    await j.outcome('b', { sourceRow: 3, status: 'skipped', message: 'exists' });
    await j.close();
    await appendFile(path, '{"k":"outcome","key":"x","outc');
    const again = await Journal.open(path, RUN);
    expect(again.priorState('b')?.done?.status).toBe('skipped');
    await again.close();
  });

  it('a journal written against another server is left as it is until this run writes its first line, which empties it', async () => {
    const { path, text } = await journalOfOneRow();
    const other = await Journal.open(path, OTHER_RUN);
    expect(other.resumed).toBe(false);
    expect(other.priorState('b')).toBeUndefined();
    expect(await readFile(path, 'utf8')).toBe(text);
    await Promise.all([other.intent('a', [], 1), other.intent('c', [], 1)]);
    await other.intent('d', [], 1);
    await other.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { k: 'run', v: 1, ...OTHER_RUN },
      ...['a', 'c', 'd'].map((key) => ({ k: 'intent', key, before: [], attempt: 1, at: expect.any(Number) })),
    ]);
  });

  it("another server's journal is not emptied by a run whose lock another run has taken meanwhile", async () => {
    const { path, text } = await journalOfOneRow();
    const other = await Journal.open(path, OTHER_RUN);
    // Held up after opening it, this run had its lock taken over by a run that judged it gone.
    await rm(`${path}.lock`);
    await writeFile(`${path}.lock`, lockText(4243));
    await expect(other.intent('a', [], 1)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS', message: expect.stringContaining('was taken by another run') });
    expect(await readFile(path, 'utf8')).toBe(text);
    await other.close();
    expect(await readFile(`${path}.lock`, 'utf8')).toMatch(/^4243 /);
  });

  it('close() after writing nothing leaves another server\'s journal as it was, to resume from later', async () => {
    const { path, text } = await journalOfOneRow();
    await (await Journal.open(path, OTHER_RUN)).close();
    expect(await readFile(path, 'utf8')).toBe(text);
    const again = await Journal.open(path, RUN);
    expect(again.priorState('b')?.done?.status).toBe('created');
    await again.close();
  });

  it('discard() leaves another run\'s journal as it was, and its own with no more than the line of the run; it takes away one it made', async () => {
    const { path, text } = await journalOfOneRow();
    await (await Journal.open(path, OTHER_RUN)).discard();
    expect(await readFile(path, 'utf8')).toBe(text);
    // A resumed run notes itself (its sheet file and mode may differ from the first run's), and nothing else.
    await (await Journal.open(path, RUN)).discard();
    expect(await readFile(path, 'utf8')).toBe(text + JSON.stringify({ k: 'run', v: 1, ...RUN }) + '\n');

    const made = await fresh();
    await (await Journal.open(made, RUN)).discard();
    expect(await readdir(dirname(made))).toEqual([]);
  });

  it('a line cut short by a crash is dropped, and what is appended after it is read back whole', async () => {
    const path = await fresh();
    const j = await Journal.open(path, RUN);
    await j.intent('K0', [], 1);
    await j.close();
    await appendFile(path, '{"k":"intent","key":"K9","bef');
    const next = await Journal.open(path, RUN);
    expect(next.priorState('K0')).toMatchObject({ before: [], attempts: 1 });
    await next.intent('K1', ['cp_1'], 1);
    await next.intent('K2', ['cp_2'], 1);
    await next.close();
    const after = await Journal.open(path, RUN);
    expect(after.priorState('K1')).toMatchObject({ before: ['cp_1'], attempts: 1 });
    expect(after.priorState('K2')).toMatchObject({ before: ['cp_2'], attempts: 1 });
    expect(after.priorState('K9')).toBeUndefined();
    await after.close();
  });

  it('remove() keeps another server\'s journal that this run never wrote to', async () => {
    const { path, text } = await journalOfOneRow();
    await (await Journal.open(path, OTHER_RUN)).remove();
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('knows the rows of an earlier run this run has not come to', async () => {
    const path = await fresh();
    const j = await Journal.open(path, RUN);
    await j.intent('a', [], 1);
    await j.outcome('b', { sourceRow: 3, status: 'created', message: 'created' });
    await j.close();
    const again = await Journal.open(path, RUN);
    again.priorState('a');
    expect(again.unvisitedRows()).not.toEqual([]);
    again.priorState('b');
    expect(again.unvisitedRows()).toEqual([]);
    await again.close();
  });

  it('a write that fails is a run error naming the journal, and nothing is appended once it is closed', async () => {
    const path = await fresh();
    const j = await Journal.open(path, RUN);
    // Writes fail as on a failing disk: the journal is handed a descriptor that is not open.
    const inner = j as unknown as { fd: number };
    const realFd = inner.fd;
    inner.fd = 2 ** 30;
    await expect(j.intent('a', [], 1)).rejects.toMatchObject({ name: 'RunError', code: 'JOURNAL_UNWRITABLE', message: expect.stringContaining(path) });
    await j.close().catch(() => undefined);
    closeSync(realFd);
    await expect(j.intent('b', [], 1)).rejects.toThrow(/closed/);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('makes many concurrent appends durable in order, one line each', async () => {
    const path = await fresh();
    const j = await Journal.open(path, RUN);
    await Promise.all(Array.from({ length: 200 }, (_, i) => j.intent(`k${i}`, [], 1)));
    await j.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(201);
    expect(lines.slice(1).map((l) => JSON.parse(l).key)).toEqual(Array.from({ length: 200 }, (_, i) => `k${i}`));
  });
});

describe('Journal lock', () => {
  it('locks the sheet file itself: a journal of another results path for the same sheet is refused while the first is open', async () => {
    const path = await fresh();
    const sheet = join(dirname(path), 'members.csv');
    await writeFile(sheet, 'Email\n');
    const first = await Journal.open(path, RUN, { sheet });
    await expect(Journal.open(join(dirname(path), 'other.results.csv.journal'), RUN, { sheet })).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    await first.close();
    const second = await Journal.open(join(dirname(path), 'other.results.csv.journal'), RUN, { sheet });
    await second.close();
  });

  it('with no temp folder to hold the sheet\'s lock, the journal opens on its own lock alone', async () => {
    const path = await fresh();
    const sheet = join(dirname(path), 'members.csv');
    await writeFile(sheet, 'Email\n');
    const notAFolder = join(dirname(path), 'not-a-folder');
    await writeFile(notAFolder, '');
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = notAFolder;
    try {
      const journal = await Journal.open(path, RUN, { sheet });
      await journal.close();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('refuses a second run of the same sheet while the first is running, and frees it on close', async () => {
    const path = await fresh();
    const first = await Journal.open(path, RUN);
    const { spawn } = await import('node:child_process');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${path}.lock`, lockText(other.pid!));
    await expect(Journal.open(path, RUN)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    other.kill();
    await new Promise((r) => other.once('exit', r));
    // The owner is gone: its lock is taken over.
    const second = await Journal.open(path, RUN);
    await second.close();
    await first.close().catch(() => undefined);
  });

  it('runs that find a killed run\'s lock at the same moment: one takes it over, the others are refused', async () => {
    const killed = spawnSync(process.execPath, ['-e', '0']).pid;
    for (let round = 0; round < 20; round++) {
      const path = await fresh();
      await writeFile(`${path}.lock`, lockText(killed));
      const opened = await Promise.allSettled([Journal.open(path, RUN), Journal.open(path, RUN), Journal.open(path, RUN)]);
      const taken = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(taken).toHaveLength(1);
      for (const r of opened) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'RUN_IN_PROGRESS' });
      expect((await readFile(`${path}.lock`, 'utf8')).split(' ')[0]).toBe(String(process.pid));
      await taken[0]!.close();
      expect(await readdir(dirname(path))).toEqual(['sheet.results.csv.journal']);
    }
  });

  it('a second run of the same sheet in this very process is refused too, and a lock is never seen empty', async () => {
    const path = await fresh();
    const first = await Journal.open(path, RUN);
    expect((await readFile(`${path}.lock`, 'utf8')).split(' ')[0]).toBe(String(process.pid));
    await expect(Journal.open(path, RUN)).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    await first.close();
    const second = await Journal.open(path, RUN);
    await second.close();
    expect(await readdir(dirname(path))).toEqual(['sheet.results.csv.journal']);
  });
});
