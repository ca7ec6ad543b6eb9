#!/usr/bin/env node
// argv -> options -> engine -> exit code. The only place where errors become exit codes.
// Each command loads its engine when it runs, so a command does not wait for modules it never uses.
import { Command, CommanderError, Option } from 'commander';
import { maskToken } from '../execute/api-url.js';
import type { Progress, RunHooks, RunResult } from '../pipeline/options.js';
import { parserOutput, reportFailure } from './failure.js';
import { environment, importOptions, readOptions, type ImportFlags, type ReadFlags } from './options.js';
import { createProgressView } from './progress.js';
import { printResult, exitCodeOf } from './report.js';
import { registerSandboxCommand } from './sandbox-command.js';

export const EXIT = { ok: 0, rowsNeedAttention: 1, couldNotStart: 2, interrupted: 130 } as const;

const collect = (value: string, previous: string[]) => [...previous, value];

function readCommandOptions(command: Command): Command {
  return command
    .option('--sheet <name>', 'XLSX sheet to read (default: the first)')
    .option('--out <path>', 'results file; its extension (.xlsx, or .csv, .tsv, .txt) picks the format')
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

/** The import's own options. */
const IMPORT_ONLY = [
  '--dry-run',
  '--api-url <url>',
  '--fallback-url <url>',
  '--allow-insecure-http',
  '--concurrency <n>',
  '--rate <n>',
  '--retries <n>',
  '--timeout <seconds>',
  '--settle <seconds>',
  '--on-existing <mode>',
  '--env-file <path>',
  '--sandbox',
];

/**
 * Validate takes every option of import, and they change nothing there (it sends nothing), so a
 * command line switches between the two by its first word. An --env-file must still be there: the
 * import the validate rehearses would stop on it.
 */
function acceptingImportOptions(command: Command): Command {
  for (const flag of IMPORT_ONLY) command.addOption(new Option(flag).hideHelp());
  return command;
}

/** The one secret a run knows, so that nothing it prints shows it (server text, a URL, a value typed in the wrong place). */
interface Secrets {
  token: string | undefined;
}

async function withProgress(flags: ReadFlags, secrets: Secrets, run: (hooks: RunHooks) => Promise<RunResult>): Promise<RunResult> {
  const shown = flags.progress !== false;
  const view = createProgressView(process.stderr, shown);
  try {
    return await run({ ...(shown && { progress: (p: Progress) => view.update(p) }), log: (line) => view.log(maskToken(line, secrets.token)) });
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

function buildProgram(setExit: (code: number) => void, secrets: Secrets): Command {
  const mask = (text: string) => maskToken(text, secrets.token);
  const program = new Command('client-packages')
    .description('Assign payment packages to clients in bulk from a CSV or XLSX sheet, exactly once per row.')
    .version('0.1.0')
    .configureOutput(parserOutput(mask))
    .showHelpAfterError('(run with --help for the options)');

  program
    .command('template')
    .description('write an input template (headers, one example row, notes)')
    .addOption(new Option('--format <format>', 'xlsx or csv (default: from the --out name, else xlsx)').choices(['xlsx', 'csv']))
    .option('--out <path>', 'where to write it (.xlsx, or .csv, .tsv, .txt); missing folders are made')
    .action(async (flags: { format?: 'xlsx' | 'csv'; out?: string }) => {
      const { writeTemplate } = await import('../write/template.js');
      const path = await writeTemplate({ ...(flags.format !== undefined && { format: flags.format }), ...(flags.out !== undefined && { out: flags.out }) });
      process.stdout.write(`Template written: ${path}\n`);
      setExit(EXIT.ok);
    });

  acceptingImportOptions(readCommandOptions(program.command('validate <file>')))
    .description('read and validate a sheet offline (no network); write the results sheet')
    .action(async (file: string, flags: ImportFlags) => {
      const options = readOptions(file, flags);
      secrets.token = environment(flags.envFile, process.env).PLATFORM_STAFF_TOKEN ?? secrets.token;
      const { validateFile } = await import('../pipeline/validate-file.js');
      const result = await withProgress(flags, secrets, (hooks) => validateFile(options, hooks));
      printResult(result, flags.json ?? false, mask);
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
      // Known before anything can fail, so that even a message about the options cannot show it.
      secrets.token = environment(flags.envFile, process.env).PLATFORM_STAFF_TOKEN ?? secrets.token;
      const options = importOptions(file, flags, process.env);
      const { runImport } = await import('../pipeline/run-import.js');
      const { removeTempFilesNow } = await import('../write/atomic.js');
      const controller = interruptHandler(removeTempFilesNow);
      const result = await withProgress(flags, secrets, (hooks) => runImport({ ...options, signal: controller.signal }, hooks));
      printResult(result, flags.json ?? false, mask);
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
  const secrets: Secrets = { token: process.env.PLATFORM_STAFF_TOKEN };
  const program = buildProgram((code) => (exitCode = code), secrets);
  program.exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    if (error instanceof CommanderError && benign.includes(error.code)) return EXIT.ok;
    // With --json, a run that could not start still prints one object on stdout: `{"error": {code, message, advice}}`.
    reportFailure(error, argv.includes('--json'), (text) => maskToken(text, secrets.token));
    return EXIT.couldNotStart;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  () => process.exit(EXIT.couldNotStart),
);
