// Flags and environment into the engine's options. The token comes only from the environment or an env file.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { RunError } from '../errors.js';
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

/** The environment, with an --env-file's values under the real environment's (the shell wins). */
function environment(envFile: string | undefined, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!envFile) return env;
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch {
    throw new RunError('CONFIG', `Cannot read the env file ${envFile}.`);
  }
  return { ...parseEnv(text), ...env };
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
