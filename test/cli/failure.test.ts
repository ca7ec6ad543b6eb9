// What a person reads when a run cannot start: the cause in words, what to do next, never a secret.
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parserOutput, reportFailure, usageText } from '../../src/cli/failure.js';
import { RunError, writeError } from '../../src/errors.js';

afterEach(() => vi.restoreAllMocks());

/** stdout and stderr of one reportFailure, as written. */
function reported(error: unknown, json: boolean, mask: (text: string) => string = (text) => text): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  reportFailure(error, json, mask);
  vi.restoreAllMocks();
  return { stdout, stderr };
}

const errno = (code: string, message: string, path?: string) => Object.assign(new Error(message), { code, ...(path && { path }) });

describe('a full disk', () => {
  it.each(['ENOSPC', 'EDQUOT'])('%s that no writer wrapped says so, and to run the same command again', (code) => {
    const { stdout, stderr } = reported(errno(code, `${code}: no space left on device, write`), true);
    const { error } = JSON.parse(stdout) as { error: { code: string; message: string; advice: string } };
    expect(error.code).toBe('OUTPUT_UNWRITABLE');
    expect(error.message).toMatch(/^Cannot write the results: (the disk is full|your disk quota is used up)\.$/);
    expect(error.advice).toMatch(/^Free some disk space, then run the same command again: an interrupted import resumes, and the rows already done are not sent again\.$/);
    expect(stderr).toBe(`Error: ${error.message}\n${error.advice}\n`);
    expect(stdout + stderr).not.toContain(code);
  });

  it('names the file when the error does', () => {
    const { stderr } = reported(errno('ENOSPC', 'ENOSPC: no space left on device, open', '/data/x.csv'), false);
    expect(stderr).toContain('Cannot write /data/x.csv: the disk is full.');
  });

  it('a results error from a full disk gets the same advice, not the one about Excel', () => {
    const error = writeError('OUTPUT_UNWRITABLE', 'Cannot write the results in /data', errno('ENOSPC', 'x'));
    expect([error.message, error.advice]).toEqual(['Cannot write the results in /data: the disk is full.', expect.stringContaining('Free some disk space')]);
    expect(writeError('OUTPUT_UNWRITABLE', 'Cannot write /data/x.csv', errno('EACCES', 'x')).advice).toContain('Excel');
  });
});

describe('argument-parser errors', () => {
  it('never show what followed an = in an unknown option', () => {
    expect(usageText("error: unknown option '--colour=MySecretTok1'").text).toBe("unknown option '--colour' (its value is not shown)");
    expect(usageText("error: unknown option '--colour'\n(Did you mean --color?)").text).toBe("unknown option '--colour'\n(Did you mean --color?)");
  });

  it('answer a token flag with where the token goes, on stderr and as {code, message, advice} under --json', () => {
    const message = "error: unknown option '--staff-token=MySecretTok1'";
    let written = '';
    parserOutput((text) => text).outputError(`${message}\n`, (text) => (written += text));
    expect(written).not.toContain('MySecretTok1');
    expect(written).toContain('PLATFORM_STAFF_TOKEN');
    const { stdout, stderr } = reported(new CommanderError(1, 'commander.unknownOption', message), true);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      error: {
        code: 'TOKEN_AS_OPTION',
        message: "unknown option '--staff-token' (its value is not shown)",
        advice: expect.stringContaining('only from PLATFORM_STAFF_TOKEN, in the environment or in a file given with --env-file'),
      },
    });
  });

  it('other parser errors carry the usage advice under --json', () => {
    const { stdout } = reported(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--no-such-flag'"), true);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'USAGE', message: "unknown option '--no-such-flag'", advice: expect.stringContaining('--help') } });
  });

  it('a flag merely named like one is not taken for a token flag', () => {
    const { stdout } = reported(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--author'"), true);
    expect(JSON.parse(stdout).error.code).toBe('USAGE');
  });
});

it('every message goes through the mask', () => {
  const mask = (text: string) => text.replaceAll('S3cretT0ken', '[token]');
  const { stdout, stderr } = reported(new RunError('USAGE', '--concurrency takes a whole number (got "S3cretT0ken").'), true, mask);
  expect(stdout + stderr).not.toContain('S3cretT0ken');
  expect(stderr).toContain('(got "[token]")');
});
