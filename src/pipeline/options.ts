// The options of a run, as the library takes them and the CLI builds them. Checked before a row is read.
import { RunError } from '../errors.js';
import type { SandboxOptions } from '../sandbox/server.js';
import type { DateFormat, RunSummary, Status } from './types.js';

/** `rate` Infinity: no rate is kept but --concurrency, until a 429 gives the limiter a rate to keep. */
export const DEFAULTS = { concurrency: 8, rate: Infinity, retries: 5, settle: 60, timeout: 60 } as const;
/** Seconds: an hour is longer than any platform keeps at a request, and what a timer can wait. */
const MAX_SETTLE = 3600;

export interface ReadOptions {
  /** The CSV or XLSX sheet to read. */
  readonly file: string;
  /** XLSX sheet name; the first sheet by default. */
  readonly sheet?: string;
  /** Results path; its extension picks the format. Default `<input>.results.<ext>` beside the input. */
  readonly out?: string;
  /** `"Header Text=field"` pairs naming columns the aliases do not catch. */
  readonly map?: readonly string[];
  readonly dateFormat?: DateFormat;
  /** Only the first N data rows. */
  readonly limit?: number;
}

export type ValidateOptions = ReadOptions;

export interface ImportOptions extends ReadOptions {
  /** Main gateway. Not needed with `sandbox`. */
  readonly apiUrl?: string;
  /** Serves the package list and the create; defaults to `apiUrl`. */
  readonly fallbackUrl?: string;
  /** Staff token. Never printed or written anywhere. */
  readonly token?: string;
  readonly allowInsecureHttp?: boolean;
  readonly concurrency?: number;
  /** API requests per second, all endpoints together. Unset: none but the concurrency, until the server answers 429. */
  readonly rate?: number;
  readonly retries?: number;
  /**
   * Seconds a create with no clear answer (no answer in time, a connection dropped after sending, a
   * gateway's error) is given to finish on the platform before a read back that does not find it lets
   * it be sent again.
   */
  readonly settle?: number;
  /** Seconds a request waits for its answer (default 60). */
  readonly timeout?: number;
  readonly onExisting?: 'skip' | 'create';
  readonly dryRun?: boolean;
  /** Run against an embedded sandbox instead of `apiUrl` (true for its defaults). */
  readonly sandbox?: boolean | SandboxOptions;
  /** Abort to stop sending: in-flight requests finish, unreached rows are `pending`. */
  readonly signal?: AbortSignal;
}

export interface Progress {
  readonly phase: 'preparing' | 'running' | 'writing';
  readonly done: number;
  /** Known once the sheet has been counted. */
  readonly total?: number;
  readonly counts: Readonly<Record<Status, number>>;
  readonly requests: number;
  readonly rateLimited: number;
}

export interface RunHooks {
  readonly progress?: (progress: Progress) => void;
  /** Plain lines for a person (what is happening now); never holds the token. */
  readonly log?: (line: string) => void;
}

export interface RunResult {
  readonly summary: RunSummary;
  readonly files: { readonly results: string; readonly retry?: string };
  /** Set when the run had to stop part-way (a token rejected mid-run); the files are still written. */
  readonly error?: RunError;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RunError('USAGE', `--${name} must be a whole number of 1 or more (got ${value}).`);
  return v;
}

export function checkedLimits(options: ImportOptions): {
  concurrency: number;
  rate: number;
  retries: number;
  settleMs: number;
  timeoutMs: number;
} {
  const rate = options.rate ?? DEFAULTS.rate;
  if (options.rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
    throw new RunError('USAGE', `--rate must be a number above 0 (got ${options.rate}).`);
  }
  const retries = options.retries ?? DEFAULTS.retries;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RunError('USAGE', `--retries must be a whole number of 0 or more (got ${options.retries}).`);
  }
  const settle = options.settle ?? DEFAULTS.settle;
  if (!(Number.isFinite(settle) && settle >= 0 && settle <= MAX_SETTLE)) {
    throw new RunError('USAGE', `--settle must be a number of seconds from 0 to ${MAX_SETTLE} (got ${options.settle}).`);
  }
  const timeout = options.timeout ?? DEFAULTS.timeout;
  if (!(Number.isFinite(timeout) && timeout > 0 && timeout <= MAX_SETTLE)) {
    throw new RunError('USAGE', `--timeout must be a number of seconds above 0, at most ${MAX_SETTLE} (got ${options.timeout}).`);
  }
  const concurrency = positiveInteger('concurrency', options.concurrency, DEFAULTS.concurrency);
  return { concurrency, rate, retries, settleMs: settle * 1000, timeoutMs: timeout * 1000 };
}

export function checkReadOptions(options: ReadOptions): void {
  if (!options.file) throw new RunError('USAGE', 'Name the sheet to read, e.g. `client-packages validate members.csv`.');
  if (options.limit !== undefined) positiveInteger('limit', options.limit, 1);
}

/** The options as the Summary shows them: what a person needs to repeat the run, never the token. */
export function describeOptions(options: ImportOptions, extra: Record<string, string> = {}): Record<string, string> {
  const described: Record<string, string> = {};
  const put = (name: string, value: unknown) => {
    if (value !== undefined && value !== false) described[name] = String(value);
  };
  put('sheet', options.sheet);
  put('out', options.out);
  put('map', options.map?.join('; ') || undefined);
  put('date-format', options.dateFormat);
  put('limit', options.limit);
  put('dry-run', options.dryRun ? 'yes' : undefined);
  put('on-existing', options.onExisting);
  return { ...described, ...extra };
}
