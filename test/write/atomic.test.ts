import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTempFilesNow } from '../../src/write/atomic.js';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, outcome, readCsv, row, scratchFolder, summary } from './helpers.js';

async function setUp(inputName: string) {
  const folder = await scratchFolder();
  const input = join(folder, inputName);
  await writeFile(input, 'input stays as it is');
  const target = resultsTarget(input);
  const open = () => openResultsWriter({ target, inputPath: input, header: header('Email') });
  return { folder, input, target, open };
}

describe.each(['members.csv', 'members.xlsx'])('writing %s results', (inputName) => {
  it('shows nothing where the results go until finish', async () => {
    const { folder, open } = await setUp(inputName);
    const writer = await open();
    for (let n = 2; n < 300; n++) await writer.write(row(n, `c${n}@x.test`), outcome(n, n % 2 ? 'failed' : 'created'));
    // Only hidden temp files so far: no results, no retry under their real names.
    expect((await readdir(folder)).filter((name) => !name.startsWith('.'))).toEqual([inputName]);
    await writer.finish(summary());
    expect((await readdir(folder)).sort()).toEqual([inputName, `members.results.${inputName.split('.')[1]}`, `members.retry.${inputName.split('.')[1]}`].sort());
  });

  it('leaves nothing behind on abort, and an earlier good results file as it was', async () => {
    const { folder, target, open } = await setUp(inputName);
    await writeFile(target.resultsPath, 'good results of an earlier run');
    const writer = await open();
    for (let n = 2; n < 300; n++) await writer.write(row(n, `c${n}@x.test`), outcome(n, 'failed'));
    await writer.abort();
    expect((await readdir(folder)).sort()).toEqual([inputName, `members.results.${inputName.split('.')[1]}`].sort());
    expect(await readFile(target.resultsPath, 'utf8')).toBe('good results of an earlier run');
    await writer.abort();
    await expect(writer.write(row(300, 'late@x.test'), outcome(300, 'created'))).rejects.toThrow(/aborted/);
  });

  it('clears temp files left by a killed run, and only those', async () => {
    const { folder, target, open } = await setUp(inputName);
    const base = target.resultsPath.split('/').pop();
    const orphan = `.${base}.999999999-0badcafe.tmp`;
    const live = `.${base}.${process.pid}-00c0ffee.tmp`;
    await writeFile(join(folder, orphan), 'half a file');
    await writeFile(join(folder, live), 'another writer of this process');
    const writer = await open();
    const names = await readdir(folder);
    expect(names).not.toContain(orphan);
    expect(names).toContain(live);
    await writer.abort();
  });

  it('a quit at once (a second Ctrl-C) takes away the temp files of the writers still open, and nothing else', async () => {
    const { folder, target, open } = await setUp(inputName);
    await writeFile(target.resultsPath, 'results of an earlier run');
    const finished = await setUp(inputName);
    const done = await finished.open();
    await done.write(row(2, 'a@x.test'), outcome(2, 'failed'));
    await done.finish(summary());
    const others = `.${target.resultsPath.split('/').pop()}.${process.pid}-00c0ffee.tmp`;
    await writeFile(join(folder, others), 'a file this process did not make');
    const writer = await open();
    // Failed rows open the retry file's temp file too.
    for (let n = 2; n < 50; n++) await writer.write(row(n, `c${n}@x.test`), outcome(n, 'failed'));
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toHaveLength(3);

    removeTempFilesNow();
    expect((await readdir(folder)).sort()).toEqual([others, inputName, `members.results.${inputName.split('.')[1]}`].sort());
    expect(await readFile(target.resultsPath, 'utf8')).toBe('results of an earlier run');
    const ext = inputName.split('.')[1];
    expect((await readdir(finished.folder)).sort()).toEqual([inputName, `members.results.${ext}`, `members.retry.${ext}`].sort());
    await writer.abort();
  });

  it('replaces an earlier results file at finish', async () => {
    const { target, open, input } = await setUp(inputName);
    await writeFile(target.resultsPath, 'old');
    const writer = await open();
    await writer.write(row(2, 'a@x.test'), outcome(2, 'created'));
    const written = await writer.finish(summary());
    expect(written.results).toBe(target.resultsPath);
    expect((await readFile(target.resultsPath)).toString('utf8')).not.toBe('old');
    expect(await readFile(input, 'utf8')).toBe('input stays as it is');
  });
});

describe('results writer', () => {
  it('refuses an outcome given for another row', async () => {
    const { open } = await setUp('members.csv');
    const writer = await open();
    await expect(writer.write(row(2, 'a@x.test'), outcome(3, 'created'))).rejects.toThrow(/row 3.*row 2/);
    await writer.abort();
  });

  it('keeps rows in the order write was called, even without waiting between calls', async () => {
    const { target, open } = await setUp('members.csv');
    const writer = await open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write(row(i + 2, `c${i + 2}@x.test`), outcome(i + 2, 'valid'))));
    await writer.finish(summary());
    expect((await readCsv(target.resultsPath)).slice(1).map((r) => r[0])).toEqual(Array.from({ length: 50 }, (_, i) => `c${i + 2}@x.test`));
  });

  it('writes at once with add, which hands back a promise only when the caller must wait', async () => {
    const { target, open } = await setUp('members.csv');
    const writer = await open();
    let waits = 0;
    for (let n = 2; n < 3002; n++) {
      // Every third row also goes to the retry file, which opens at row 3.
      const wait = writer.add(row(n, `c${n}@x.test`), outcome(n, n % 3 === 0 ? 'invalid' : 'valid'));
      if (wait) {
        waits++;
        await wait;
      }
    }
    expect(waits).toBeLessThan(30);
    await writer.finish(summary());
    expect((await readCsv(target.resultsPath)).slice(1).map((r) => r[0])).toEqual(Array.from({ length: 3000 }, (_, i) => `c${i + 2}@x.test`));
    const retried = (await readCsv(target.retryPath)).slice(1).map((r) => r[0]);
    expect(retried).toEqual(Array.from({ length: 3000 }, (_, i) => i + 2).filter((n) => n % 3 === 0).map((n) => `c${n}@x.test`));
    expect(() => writer.add(row(3002, 'late@x.test'), outcome(3002, 'valid'))).toThrow(/finished/);
  });

  it('says what to do when the results folder cannot be made', async () => {
    const { input } = await setUp('members.csv');
    // A folder path that runs through a file fails for every user, root included.
    const target = resultsTarget(input, join(input, 'sub', 'results.csv'));
    await expect(openResultsWriter({ target, inputPath: input, header: header('Email') })).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
    });
  });
});
