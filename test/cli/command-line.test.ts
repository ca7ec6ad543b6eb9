// The command line as a person types it: env files, result and template names, the demo's folder,
// and validate taking every option of import.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { creatableRows, tempDir, writePlannedCsv } from '../helpers/sheets.js';

describe('--env-file', () => {
  it.each([
    ['missing', 'nope.env', 'there is no such file'],
    ['a folder', '.', 'it is a folder, not a file'],
  ])('%s: import and validate exit 2 with one sentence, and the JSON error under --json', async (_, envFile, why) => {
    const dir = await tempDir('cp-env-file-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    for (const command of ['import', 'validate']) {
      const run = await runCli([command, file, '--env-file', envFile, '--json'], { cwd: dir, pastNodeOptions: true });
      expect(run.code, `${command}: ${run.stderr}`).toBe(2);
      const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
      expect(error).toMatchObject({ code: 'CONFIG', message: `Cannot read the env file given with --env-file ${envFile}: ${why}.` });
      expect(run.stderr).toContain(`Error: ${error.message}\n`);
    }
    expect(await readdir(dir)).toEqual(['import.csv']);
  });

  it('reads the first setting of a file that starts with a byte-order mark (Notepad)', async () => {
    const dir = await tempDir('cp-env-file-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    await writeFile(join(dir, 'platform.env'), '\uFEFFPLATFORM_API_URL=https://api.example.test\r\nPLATFORM_FALLBACK_API_URL=https://fallback.example.test\r\n');
    const run = await runCli(['import', file, '--env-file', 'platform.env', '--json'], { cwd: dir });
    expect(run.code).toBe(2);
    // Past the API URL (which was read), to the token that this file does not give.
    expect(JSON.parse(run.stdout).error.code).toBe('TOKEN_MISSING');
  });
});

describe('results file names', () => {
  it.each(['r.pdf', 'r.json', 'r.xls'])('--out %s is refused by validate and import alike, listing the names accepted', async (out) => {
    const dir = await tempDir('cp-out-ext-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    for (const command of [['validate', file], ['import', file, '--sandbox']]) {
      const run = await runCli([...command, '--out', join(dir, out), '--json']);
      expect(run.code, run.stderr).toBe(2);
      const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
      expect(error.code).toBe('USAGE');
      expect(error.message).toMatch(new RegExp(`^--out ${out.replace('.', '\\.')}: .*name it \\.xlsx, or \\.csv, \\.tsv or \\.txt`));
    }
    expect(await readdir(dir)).toEqual(['import.csv']);
  });

  it('.txt and .tsv are still written, as delimited text', async () => {
    const dir = await tempDir('cp-out-ext-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    for (const out of ['r.txt', 'r.tsv']) expect((await runCli(['validate', file, '--out', join(dir, out)])).code).toBe(0);
    expect(await readFile(join(dir, 'r.tsv'), 'utf8')).toContain('\tstatus\t');
  });
});

describe('template', () => {
  it('makes missing folders on the way, as validate and import do', async () => {
    const dir = await tempDir('cp-template-');
    const run = await runCli(['template', '--out', join('nodir', 'sub', 't.xlsx')], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`Template written: ${join(dir, 'nodir', 'sub', 't.xlsx')}\n`);
    expect((await readFile(join(dir, 'nodir', 'sub', 't.xlsx'))).subarray(0, 2).toString()).toBe('PK');
  });

  it.each([
    ['m.txt', ','],
    ['m.csv', ','],
    ['m.tsv', '\t'],
  ])('--out %s with no --format writes the CSV template', async (out, delimiter) => {
    const dir = await tempDir('cp-template-');
    const run = await runCli(['template', '--out', out], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(join(dir, out), 'utf8')).toMatch(new RegExp(`^\uFEFFclient_email${delimiter}package_name${delimiter}`));
  });

  it('refuses only a --format that the --out name contradicts, and a name it cannot write', async () => {
    const dir = await tempDir('cp-template-');
    const clash = await runCli(['template', '--out', 'm.txt', '--format', 'xlsx'], { cwd: dir });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('--out m.txt names a CSV file but --format xlsx was given');
    const pdf = await runCli(['template', '--out', 'm.pdf'], { cwd: dir });
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toContain('--out m.pdf: .pdf is not a format written here');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a folder that cannot be made gets advice about the folder, not about Excel', async () => {
    const dir = await tempDir('cp-template-');
    await writeFile(join(dir, 'taken'), '');
    const run = await runCli(['template', '--out', join('taken', 't.xlsx')], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Error: Cannot make the folder .*taken for the template: /);
    expect(run.stderr).toContain('Check that you can write in that folder');
    expect(run.stderr).not.toContain('Excel');
  });
});

it('demo in a folder where it cannot write says so in words, with what to do', async () => {
  const dir = await tempDir('cp-demo-');
  await writeFile(join(dir, 'client-packages-demo'), 'a file where the demo wants its folder');
  const run = await runCli(['demo', '--no-progress'], { cwd: dir });
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(
    `Error: The demo writes its files in ${join(dir, 'client-packages-demo')}, and cannot: a file of that name is in the way.\n` +
      'Check that you can write in that folder, or run the command from (or write with --out to) a folder you can write in, such as your home folder.\n',
  );
  expect(run.stderr).not.toMatch(/EEXIST|ENOTDIR|EACCES/);
});

it('validate takes every option of import and ignores it, so one command line serves both', async () => {
  const dir = await tempDir('cp-validate-opts-');
  const file = await writePlannedCsv(dir, creatableRows(2));
  await mkdir(join(dir, 'a'));
  await mkdir(join(dir, 'b'));
  const plain = await runCli(['validate', file, '--json', '--out', join(dir, 'a', 'r.csv')]);
  const importOnly = ['--dry-run', '--api-url', 'http://api.example.test', '--fallback-url', 'http://fallback.example.test', '--allow-insecure-http'];
  const shared = await runCli(['validate', file, '--json', '--out', join(dir, 'b', 'r.csv'), ...importOnly]);
  expect(shared.code, shared.stderr).toBe(plain.code);
  expect(plain.code).toBe(0);
  expect(JSON.parse(shared.stdout).counts).toEqual(JSON.parse(plain.stdout).counts);
  expect(await readFile(join(dir, 'b', 'r.csv'), 'utf8')).toBe(await readFile(join(dir, 'a', 'r.csv'), 'utf8'));
});
