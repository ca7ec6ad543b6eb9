// `client-packages sandbox`: runs the local platform simulator until Ctrl-C, and prints what a
// person needs to point an import at it (URLs, tokens, inspection pages, an example command).

import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import type { Sandbox, SandboxOptions } from '../sandbox/server.js';

interface SandboxFlags {
  port: number;
  host: string;
  split?: boolean;
  fallbackPort?: number;
  data?: string;
  latency?: number;
  rate?: number;
  failRate?: number;
  dropBefore?: number;
  dropAfter?: number;
  lateCommit?: number;
  lateCommitMs?: number;
  seed?: number;
}

const SAMPLE = fileURLToPath(new URL('../../samples/legacy-memberships.csv', import.meta.url));

function integer(min: number, max: number, hint: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) throw new InvalidArgumentError(`Give a whole number from ${min} to ${max}${hint}.`);
    return value;
  };
}

function probability(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError('Give a probability from 0 to 1, e.g. 0.05 for 5% of requests.');
  }
  return value;
}

function nonNegative(unit: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`Give a number of ${unit}, 0 or more.`);
    return value;
  };
}

function toOptions(flags: SandboxFlags): SandboxOptions {
  const { port, host, split, fallbackPort, data, latency, rate, failRate, dropBefore, dropAfter, lateCommit, lateCommitMs, seed } = flags;
  return {
    port,
    host,
    // Two roles on two ports by default when split, next to each other so they are easy to remember.
    ...(split || fallbackPort !== undefined ? { split: true, fallbackPort: fallbackPort ?? (port === 0 ? 0 : port + 1) } : {}),
    ...(data !== undefined && { data }),
    ...(latency !== undefined && { latencyMs: latency }),
    ...(rate !== undefined && { rate }),
    ...(failRate !== undefined && { failRate }),
    ...(dropBefore !== undefined && { dropBefore }),
    ...(dropAfter !== undefined && { dropAfter }),
    ...(lateCommit !== undefined && { lateCommit }),
    ...(lateCommitMs !== undefined && { lateCommitMs }),
    ...(seed !== undefined && { seed }),
  };
}

const quote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

export function describeSandbox(sandbox: Sandbox, options: SandboxOptions): string {
  const inspect = (path: string, what: string) => `  ${`${sandbox.mainUrl}/__sandbox/${path}`.padEnd(50)} ${what}`;
  const knobs = [
    `latency ${options.latencyMs ?? 0} ms`,
    `rate ${options.rate ? `${options.rate}/s per token` : 'unlimited'}`,
    `fail ${options.failRate ?? 0}`,
    `drop before ${options.dropBefore ?? 0}`,
    `drop after ${options.dropAfter ?? 0}`,
    `late commit ${options.lateCommit ?? 0}${options.lateCommit ? ` (${options.lateCommitMs ?? 2000} ms)` : ''}`,
  ];
  return [
    'Sandbox running: a local copy of the platform API; nothing sent here reaches a real platform.',
    `  main API URL      ${sandbox.mainUrl}`,
    `  fallback API URL  ${sandbox.fallbackUrl}`,
    `  staff token       ${sandbox.tokens.staff}`,
    `  directory token   ${sandbox.tokens.directory}`,
    `  faults            ${knobs.join(', ')} (seed ${sandbox.seed}; --seed ${sandbox.seed} replays them)`,
    'Inspect (not part of the real API):',
    inspect('created', 'every package created, with the request received'),
    inspect('duplicates', 'client + package + valid_from created more than once'),
    inspect('stats', 'requests by route and status'),
    inspect('faults', 'the fault knobs; POST a JSON object to change them'),
    'Import against it (the results go to this folder, not beside the bundled sample):',
    `  PLATFORM_API_URL=${sandbox.mainUrl} PLATFORM_FALLBACK_API_URL=${sandbox.fallbackUrl} PLATFORM_STAFF_TOKEN=${sandbox.tokens.staff} client-packages import ${quote(SAMPLE)} --out legacy-memberships.results.csv`,
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('run the local API simulator (main and fallback roles) and print its URLs and tokens')
    .option('--port <n>', 'port of the main role, or of both (0 = any free port)', integer(0, 65535, ', 0 for any free port'), 4010)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--split', 'serve the fallback role on its own port (fallback-only endpoints then 404 on main)')
    .option('--fallback-port <n>', 'port of the fallback role (implies --split; default: --port + 1)', integer(0, 65535, ', 0 for any free port'))
    .option('--data <file>', 'seed data JSON (format: samples/README.md; default: samples/sandbox-data.json)')
    .option('--latency <ms>', 'added before every answer', nonNegative('milliseconds'))
    .option('--rate <n>', 'requests per second per token (0 = no limit); over it 429 with Retry-After', nonNegative('requests per second'))
    .option('--fail-rate <p>', 'probability of a 500 before acting, on any endpoint', probability)
    .option('--drop-before <p>', 'probability a create connection is dropped before it is processed', probability)
    .option('--drop-after <p>', 'probability a create is committed, then its connection dropped with no answer', probability)
    .option('--late-commit <p>', 'probability a create is answered 504 by the gateway at once, and made --late-commit-ms later', probability)
    .option('--late-commit-ms <ms>', 'how much later such a create is made (default 2000)', nonNegative('milliseconds'))
    .option('--seed <n>', 'seed of every fault decision, to replay a run', integer(0, 2 ** 32 - 1, ''))
    .action(async (flags: SandboxFlags) => {
      const options = toOptions(flags);
      // Loaded when the command runs: every other command (and --help) starts without the sandbox.
      const { startSandbox } = await import('../sandbox/server.js');
      const sandbox = await startSandbox(options);
      process.stdout.write(describeSandbox(sandbox, options));
      const signal = await untilStopped();
      await sandbox.close();
      process.stdout.write(`Sandbox stopped (${signal}).\n`);
    });
}
