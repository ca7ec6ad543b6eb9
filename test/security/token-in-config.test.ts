// The token put where it does not belong (in a URL, as an option) is refused before anything is sent,
// and no output or file shows it.
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { runCli } from '../helpers/cli.js';
import { creatableRows, tempDir, writePlannedCsv } from '../helpers/sheets.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 5 });
});
afterAll(async () => {
  await sandbox.close();
});

describe('a URL setting that holds the staff token', () => {
  const cases: Array<[string, (token: string) => { args: string[]; env: Record<string, string> }]> = [
    ['PLATFORM_API_URL is the token', (token) => ({ args: [], env: { PLATFORM_API_URL: token } })],
    ['--api-url has it in the query', (token) => ({ args: ['--api-url', `${sandbox.mainUrl}/?token=${token}`], env: {} })],
    ['--api-url has it in the path', (token) => ({ args: ['--api-url', `${sandbox.mainUrl}/${token}`], env: {} })],
    ['--fallback-url has it URL-encoded, in another case', (token) => ({ args: ['--api-url', sandbox.mainUrl, '--fallback-url', `${sandbox.fallbackUrl}/${encodeURIComponent(token.toLowerCase())}`], env: {} })],
  ];

  it.each(cases)('%s: exit 2 before any request, a message without the token, nothing written', async (_, setup) => {
    const token = sandbox.tokens.staff;
    const dir = await tempDir('cp-url-token-');
    const file = await writePlannedCsv(dir, creatableRows(2));
    const { args, env } = setup(token);
    const before = sandbox.inspect.requests().total;
    const run = await runCli(['import', file, '--json', ...args], { env: { PLATFORM_STAFF_TOKEN: token, ...env } });
    expect(run.code, run.stderr).toBe(2);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string; advice: string } };
    expect(error.code).toBe('TOKEN_IN_URL');
    expect(error.message).toMatch(/^(--api-url|--fallback-url|PLATFORM_API_URL) holds the staff token/);
    expect(error.advice).toContain('Put the token only in PLATFORM_STAFF_TOKEN');
    expect(run.stderr).toContain(error.message);
    for (const spelling of [token, token.toLowerCase(), encodeURIComponent(token)]) expect(run.stdout + run.stderr).not.toContain(spelling);
    expect(sandbox.inspect.requests().total).toBe(before);
    expect(await readdir(dir)).toEqual(['import.csv']);
  });

  it('a message quoting another setting shows the token masked', async () => {
    const token = sandbox.tokens.staff;
    const dir = await tempDir('cp-url-token-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    const run = await runCli(['import', file, '--concurrency', token], { env: { PLATFORM_STAFF_TOKEN: token, PLATFORM_API_URL: sandbox.mainUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--concurrency takes a whole number (got "[token]")');
    expect(run.stdout + run.stderr).not.toContain(token);
  });
});

describe('the token given as an option', () => {
  it.each([['--token=MySecretTok1'], ['--staff-token=MySecretTok1'], ['--token', 'MySecretTok1']])('%s is refused without echoing it, pointing at PLATFORM_STAFF_TOKEN', async (...flag) => {
    const dir = await tempDir('cp-token-flag-');
    const file = await writePlannedCsv(dir, creatableRows(1));
    for (const json of [false, true]) {
      const run = await runCli(['import', file, ...flag, ...(json ? ['--json'] : [])], { env: { PLATFORM_API_URL: sandbox.mainUrl } });
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).not.toContain('MySecretTok1');
      expect(run.stderr).toContain('The token is read only from PLATFORM_STAFF_TOKEN, in the environment or in a file given with --env-file');
      if (json) {
        expect(JSON.parse(run.stdout)).toEqual({
          error: { code: 'TOKEN_AS_OPTION', message: expect.stringMatching(/^unknown option '--(staff-)?token'/), advice: expect.stringContaining('PLATFORM_STAFF_TOKEN') },
        });
      } else expect(run.stdout).toBe('');
    }
  });

  it('any other unknown --flag=value is named without its value', async () => {
    const run = await runCli(['validate', 'x.csv', '--colour=hunter2', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).not.toContain('hunter2');
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'USAGE', message: "unknown option '--colour' (its value is not shown)", advice: expect.stringContaining('--help') },
    });
  });
});
