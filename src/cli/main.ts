#!/usr/bin/env node
// argv -> options -> engine -> exit code. The only place where errors become exit codes.
// Each command loads its engine when it runs, so a command does not wait for modules it never uses.
import { Command, CommanderError, Option } from 'commander';
import { RunError } from '../errors.js';
import type { Progress, RunHooks, RunResult } from '../pipeline/options.js';
import { importOptions, readOptions, type ImportFlags, type ReadFlags } from './options.js';
import { createProgressView } from './progress.js';
import { printResult, exitCodeOf } from './report.js';
import { registerSandboxCommand } from './sandbox-command.js';

export const EXIT = { ok: 0, rowsNeedAttention: 1, couldNotStart: 2, interrupted: 130 } as const;

const collect = (value: string, previous: string[]) => [...previous, value];

function readCommandOptions(command: Command): Command {
  return command
    .option('--sheet <name>', 'XLSX sheet to read (default: the first)')
    .option('--out <path>', 'results file; its extension (.xlsx or .csv) picks the format')
    .option('--map <"Header Text=field">', 'map a column to a field (repeatable)', collect, [])
    .addOption(
      new Option('--date-format <format>', 'how to read D/M/Y-style dates')
        .choices(['auto', 'YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY'])
        .default('auto'),
    )
    .option('--limit <n>', 'only the first N data rows (a canary run)')
    .option('--json', 'print one JSON summary object on stdout, nothing else')
    .option('--no-progress', 'no progress bar or progress lines');
}

/**
 * The import's own options that the common set names: validate takes them too, and they change
 * nothing there (it sends nothing), so one set of flags serves both commands.
 */
function acceptingImportOptions(command: Command): Command {
  for (const flag of ['--concurrency <n>', '--rate <n>', '--retries <n>', '--settle <seconds>', '--timeout <seconds>', '--on-existing <mode>', '--env-file <path>', '--sandbox']) {
    command.addOption(new Option(flag).hideHelp());
  }
  return command;
}

async function withProgress(flags: ReadFlags, run: (hooks: RunHooks) => Promise<RunResult>): Promise<RunResult> {
  const shown = flags.progress !== false;
  const view = createProgressView(process.stderr, shown);
  try {
    return await run({ ...(shown && { progress: (p: Progress) => view.update(p) }), log: (line) => view.log(line) });
  } finally {
    view.stop();
  }
}

/**
 * First Ctrl-C: stop sending and finish cleanly. Second: leave at once (the journal makes that safe),
 * taking away the half-written results files (`removeTempFiles`, synchronous: nothing else runs after).
 */
function interruptHandler(removeTempFiles: () => void): AbortController {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) {
      removeTempFiles();
      process.stderr.write('\nStopped at once: the results file was not written. Run the same command again to resume: the journal keeps every row done.\n');
      process.exit(EXIT.interrupted);
    }
    process.stderr.write('\nStopping: letting requests in flight finish, then writing the results (Ctrl-C again to quit now).\n');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  return controller;
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('client-packages')
    .description('Assign payment packages to clients in bulk from a CSV or XLSX sheet, exactly once per row.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for the options)');

  program
    .command('template')
    .description('write an input template (headers, one example row, notes)')
    .addOption(new Option('--format <format>', 'xlsx or csv (default: from --out, else xlsx)').choices(['xlsx', 'csv']))
    .option('--out <path>', 'where to write it')
    .action(async (flags: { format?: 'xlsx' | 'csv'; out?: string }) => {
      const format = flags.format ?? (flags.out?.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx');
      const { writeTemplate } = await import('../write/template.js');
      const path = await writeTemplate({ format, ...(flags.out !== undefined && { out: flags.out }) });
      process.stdout.write(`Template written: ${path}\n`);
      setExit(EXIT.ok);
    });

  acceptingImportOptions(readCommandOptions(program.command('validate <file>')))
    .description('read and validate a sheet offline (no network); write the results sheet')
    .action(async (file: string, flags: ReadFlags) => {
      const { validateFile } = await import('../pipeline/validate-file.js');
      const result = await withProgress(flags, (hooks) => validateFile(readOptions(file, flags), hooks));
      printResult(result, flags.json ?? false);
      setExit(exitCodeOf(result));
    });

  readCommandOptions(program.command('import <file>'))
    .description('resolve, check existing, create each client package exactly once, write results')
    .option('--dry-run', 'do everything but the create: rows get would_create')
    .option('--api-url <url>', 'main gateway (default: PLATFORM_API_URL)')
    .option('--fallback-url <url>', 'fallback API (default: PLATFORM_FALLBACK_API_URL, else the main URL)')
    .option('--allow-insecure-http', 'allow plain http:// to a host other than this machine')
    .option('--concurrency <n>', 'requests in flight at most (default 8)')
    .option('--rate <n>', 'API requests per second, all endpoints together (default: none, as fast as --concurrency allows; a 429 slows the run down)')
    .option('--retries <n>', 'retries of a 5xx or network error (default 5)')
    .option('--timeout <seconds>', 'how long a request waits for its answer (default 60)')
    .option('--settle <seconds>', 'time a create with no clear answer (a timeout, a dropped connection, a gateway error) is given to finish on the platform before it is read back and, if not there, sent again (default 60)')
    .addOption(new Option('--on-existing <mode>', 'a package with the same valid_from exists').choices(['skip', 'create']).default('skip'))
    .option('--env-file <path>', 'read PLATFORM_* settings from this file')
    .option('--sandbox', 'run against an embedded sandbox (a rehearsal; nothing reaches the platform)')
    .action(async (file: string, flags: ImportFlags) => {
      const options = importOptions(file, flags, process.env);
      const { runImport } = await import('../pipeline/run-import.js');
      const { removeTempFilesNow } = await import('../write/atomic.js');
      const controller = interruptHandler(removeTempFilesNow);
      const result = await withProgress(flags, (hooks) => runImport({ ...options, signal: controller.signal }, hooks));
      printResult(result, flags.json ?? false);
      setExit(exitCodeOf(result));
    });

  registerSandboxCommand(program);

  program
    .command('demo')
    .description('import the bundled sample into an embedded sandbox and show where the results are')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (flags: { progress?: boolean }) => {
      const { runDemo } = await import('./demo.js');
      setExit(await runDemo(flags.progress !== false));
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => (exitCode = code));
  program.exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    return reportFailure(error, argv.includes('--json'));
  }
}

/** With --json, a run that could not start still prints one object on stdout: `{"error": {code, message, advice?}}`. */
function reportFailure(error: unknown, json: boolean): number {
  const printJson = (code: string, message: string, advice?: string) => {
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message, ...(advice !== undefined && { advice }) } })}\n`);
  };
  if (error instanceof CommanderError) {
    const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    if (benign.includes(error.code)) return EXIT.ok;
    printJson('USAGE', error.message.replace(/^error: /, '')); // commander has said it on stderr
    return EXIT.couldNotStart;
  }
  if (error instanceof RunError) {
    process.stderr.write(`Error: ${error.message}\n${error.advice}\n`);
    printJson(error.code, error.message, error.advice);
    return EXIT.couldNotStart;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Error: ${message}\n`);
  printJson('ERROR', message);
  if (process.env.CLIENT_PACKAGES_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.couldNotStart;
}

main(process.argv).then(
  (code) => process.exit(code),
  () => process.exit(EXIT.couldNotStart),
);
