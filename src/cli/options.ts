// Flags and environment into the engine's options. The token comes only from the environment or an env file.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { fileErrorText, RunError } from '../errors.js';
import { refuseTokenInUrl } from '../execute/api-url.js';
import type { ImportOptions, ReadOptions } from '../pipeline/options.js';
import type { DateFormat } from '../pipeline/types.js';

export interface ReadFlags {
  sheet?: string;
  out?: string;
  map?: string[];
  dateFormat?: string;
  limit?: string;
  json?: boolean;
  progress?: boolean;
}

export interface ImportFlags extends ReadFlags {
  apiUrl?: string;
  fallbackUrl?: string;
  allowInsecureHttp?: boolean;
  concurrency?: string;
  rate?: string;
  retries?: string;
  settle?: string;
  timeout?: string;
  onExisting?: string;
  dryRun?: boolean;
  envFile?: string;
  sandbox?: boolean;
}

const DATE_FORMATS: readonly DateFormat[] = ['auto', 'YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY'];

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new RunError('USAGE', `--${flag} takes a whole number (got "${text}").`);
  return Number(text);
}

function positiveNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!text.trim() || !Number.isFinite(n) || n <= 0) throw new RunError('USAGE', `--${flag} takes a number above 0 (got "${text}").`);
  return n;
}

function seconds(flag: string, text: string): number {
  const n = Number(text);
  if (!text.trim() || !Number.isFinite(n) || n < 0) throw new RunError('USAGE', `--${flag} takes a number of seconds, 0 or more (got "${text}").`);
  return n;
}

export function readOptions(file: string, flags: ReadFlags): ReadOptions {
  const dateFormat = flags.dateFormat ?? 'auto';
  if (!DATE_FORMATS.includes(dateFormat as DateFormat)) {
    throw new RunError('USAGE', `--date-format takes one of ${DATE_FORMATS.join(', ')} (got "${dateFormat}").`);
  }
  return {
    file,
    ...(flags.sheet !== undefined && { sheet: flags.sheet }),
    ...(flags.out !== undefined && { out: flags.out }),
    ...(flags.map && flags.map.length > 0 && { map: flags.map }),
    dateFormat: dateFormat as DateFormat,
    ...(flags.limit !== undefined && { limit: wholeNumber('limit', flags.limit) }),
  };
}

/**
 * The environment, with an --env-file's values under the real environment's (the shell wins). A file
 * that is not there stops the run: going on without it would run with other settings than meant.
 */
export function environment(envFile: string | undefined, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (envFile === undefined) return env;
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : fileErrorText(error);
    throw new RunError('CONFIG', `Cannot read the env file given with --env-file ${envFile}: ${why}.`);
  }
  // Notepad on Windows starts a UTF-8 file with a byte-order mark, which would become part of the first name.
  return { ...parseEnv(text.replace(/^\uFEFF/, '')), ...env };
}

/** Where a URL setting came from, as the person gave it: the flag, or the variable (perhaps from --env-file). */
function sourceOf(flag: string, flagValue: string | undefined, variable: string, envFile: string | undefined): string {
  if (flagValue !== undefined) return flag;
  return envFile === undefined ? variable : `${variable} (from the environment or ${envFile})`;
}

export function importOptions(file: string, flags: ImportFlags, env: NodeJS.ProcessEnv): ImportOptions {
  const onExisting = flags.onExisting ?? 'skip';
  if (onExisting !== 'skip' && onExisting !== 'create') {
    throw new RunError('USAGE', `--on-existing takes skip or create (got "${onExisting}").`);
  }
  const vars = environment(flags.envFile, env);
  const apiUrl = flags.apiUrl ?? vars.PLATFORM_API_URL;
  const fallbackUrl = flags.fallbackUrl ?? vars.PLATFORM_FALLBACK_API_URL;
  const token = vars.PLATFORM_STAFF_TOKEN;
  // Before anything else reads, shows or writes the URLs; the sandbox uses neither.
  if (token && !flags.sandbox) {
    if (apiUrl) refuseTokenInUrl(apiUrl, token, sourceOf('--api-url', flags.apiUrl, 'PLATFORM_API_URL', flags.envFile));
    if (fallbackUrl) refuseTokenInUrl(fallbackUrl, token, sourceOf('--fallback-url', flags.fallbackUrl, 'PLATFORM_FALLBACK_API_URL', flags.envFile));
  }
  return {
    ...readOptions(file, flags),
    ...(apiUrl && { apiUrl }),
    ...(fallbackUrl && { fallbackUrl }),
    ...(token && { token }),
    allowInsecureHttp: flags.allowInsecureHttp ?? false,
    ...(flags.concurrency !== undefined && { concurrency: wholeNumber('concurrency', flags.concurrency) }),
    ...(flags.rate !== undefined && { rate: positiveNumber('rate', flags.rate) }),
    ...(flags.retries !== undefined && { retries: wholeNumber('retries', flags.retries) }),
    ...(flags.settle !== undefined && { settle: seconds('settle', flags.settle) }),
    ...(flags.timeout !== undefined && { timeout: seconds('timeout', flags.timeout) }),
    onExisting,
    dryRun: flags.dryRun ?? false,
    sandbox: flags.sandbox ?? false,
  };
}
