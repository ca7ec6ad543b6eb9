// `client-packages sandbox` through a commander program built the way the main CLI builds it.

import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerSandboxCommand } from '../../src/cli/sandbox-command.js';
import { call } from './helpers.js';

function program(): { cli: Command; errors: string[] } {
  const errors: string[] = [];
  const cli = new Command('client-packages').exitOverride().configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => undefined });
  registerSandboxCommand(cli);
  for (const sub of cli.commands) sub.exitOverride().configureOutput({ writeErr: (text) => errors.push(text) });
  return { cli, errors };
}

afterEach(() => vi.restoreAllMocks());

describe('client-packages sandbox', () => {
  it('prints URLs, tokens, inspection URLs and an import line, serves, and stops on SIGINT', async () => {
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    const { cli } = program();
    const running = cli.parseAsync(['node', 'client-packages', 'sandbox', '--port', '0', '--split', '--seed', '99', '--fail-rate', '0']);
    await vi.waitFor(() => expect(printed).toContain('Ctrl-C'));

    const main = /main API URL\s+(\S+)/.exec(printed)?.[1] ?? '';
    const fallback = /fallback API URL\s+(\S+)/.exec(printed)?.[1] ?? '';
    const staff = /staff token\s+(\S+)/.exec(printed)?.[1] ?? '';
    expect(main).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fallback).not.toBe(main);
    expect(printed).toMatch(/directory token\s+\S+/);
    expect(printed).toContain(`${main}/__sandbox/created`);
    expect(printed).toContain(`PLATFORM_API_URL=${main} PLATFORM_FALLBACK_API_URL=${fallback} PLATFORM_STAFF_TOKEN=${staff} client-packages import `);
    // The suggested import writes its results where it is run, not into the package's samples folder.
    expect(printed).toMatch(/client-packages import \S+legacy-memberships\.csv --out legacy-memberships\.results\.csv\n/);
    expect(printed).toContain('seed 99');
    expect((await call(`${main}/platform/v1/clients?per_page=1`, { token: staff })).status).toBe(200);
    expect((await call(`${fallback}/platform/v1/payment/packages`, { token: staff })).status).toBe(200);

    process.emit('SIGINT', 'SIGINT');
    await running;
    expect(printed).toContain('Sandbox stopped (SIGINT)');
    await expect(call(`${main}/platform/v1/clients`, { token: staff })).rejects.toThrow();
  });

  it.each([
    [['--fail-rate', '1.5'], /--fail-rate.*probability from 0 to 1/s],
    [['--drop-after', 'often'], /--drop-after.*probability from 0 to 1/s],
    [['--drop-before', '-0.1'], /--drop-before.*probability/s],
    [['--port', '99999'], /--port.*whole number from 0 to 65535/s],
    [['--latency', '-5'], /--latency.*milliseconds, 0 or more/s],
    [['--rate', 'fast'], /--rate.*requests per second/s],
    [['--seed', '1.5'], /--seed.*whole number/s],
  ])('refuses %j with a clear message', async (args, message) => {
    const { cli, errors } = program();
    const failure = await cli.parseAsync(['node', 'client-packages', 'sandbox', ...args]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CommanderError);
    expect(errors.join('')).toMatch(message);
  });

  it('says which file when the data file cannot be read', async () => {
    const { cli } = program();
    await expect(cli.parseAsync(['node', 'client-packages', 'sandbox', '--port', '0', '--data', '/nonexistent/data.json'])).rejects.toThrow(
      /Cannot read the sandbox data file \/nonexistent\/data\.json/,
    );
  });
});
