// Whether to send a failed request again, and after how long: a pure decision, so every caller
// (reads, the create's retry after a read-back, the limiter's pause) waits the same way and tests
// can check the delays without sleeping.

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/** First backoff ceiling; doubled per attempt, full jitter below it. */
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 20_000;
/** A server asking for a longer pause than this is not waited for longer. */
export const RETRY_AFTER_CAP_MS = 60_000;

/** Statuses where the server says "not now" (429, 503) and may say for how long. */
const ASKS_TO_WAIT: ReadonlySet<number> = new Set([429, 503]);
/** Server errors that would fail the same way again. */
const PERMANENT_5XX: ReadonlySet<number> = new Set([501, 505]);

/**
 * Fixed order: attempts left, then the status, then a network error. A failure that is neither an
 * HTTP status nor a network error is a bug in the caller and is never retried.
 */
export function decideRetry(input: {
  /** The 1-based attempt that just failed. */
  attempt: number;
  maxRetries: number;
  httpStatus?: number;
  networkError?: boolean;
  retryAfterMs?: number;
  random: () => number;
}): RetryDecision {
  const { attempt, maxRetries, httpStatus, networkError, retryAfterMs, random } = input;
  if (attempt > maxRetries) return { retry: false };

  if (httpStatus !== undefined) {
    if (ASKS_TO_WAIT.has(httpStatus)) {
      const delayMs = retryAfterMs !== undefined ? Math.min(retryAfterMs, RETRY_AFTER_CAP_MS) : backoff(attempt, random);
      return { retry: true, delayMs };
    }
    if (httpStatus === 408 || (httpStatus >= 500 && httpStatus <= 599 && !PERMANENT_5XX.has(httpStatus))) {
      return { retry: true, delayMs: backoff(attempt, random) };
    }
    return { retry: false };
  }

  if (networkError === true) return { retry: true, delayMs: backoff(attempt, random) };
  return { retry: false };
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))). */
export function backoff(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * `Retry-After` as milliseconds from `nowMs`: delay-seconds or an HTTP-date (a past date is 0).
 * Anything else is `undefined`, so the caller backs off on its own.
 */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;

  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);

  // Date.parse alone accepts almost anything ("1 2", "May"); only the three forms HTTP allows.
  if (!IMF_FIXDATE.test(value) && !RFC850_DATE.test(value) && !ASCTIME_DATE.test(value)) return undefined;
  const at = Date.parse(ASCTIME_DATE.test(value) ? `${value} GMT` : value);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
