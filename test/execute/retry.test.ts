import { describe, expect, test } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, decideRetry, parseRetryAfter } from '../../src/execute/retry.js';

const half = () => 0.5;
const almostOne = () => 0.999_999;
const zero = () => 0;

describe('decideRetry', () => {
  test.each([
    // [what, input, expected]
    ['5xx with attempts left', { attempt: 1, maxRetries: 3, httpStatus: 500 }, { retry: true, delayMs: 125 }],
    ['502, 504 and other 5xx', { attempt: 1, maxRetries: 3, httpStatus: 502 }, { retry: true, delayMs: 125 }],
    ['408 request timeout', { attempt: 1, maxRetries: 3, httpStatus: 408 }, { retry: true, delayMs: 125 }],
    ['network error', { attempt: 2, maxRetries: 3, networkError: true }, { retry: true, delayMs: 250 }],
    ['the last allowed retry', { attempt: 3, maxRetries: 3, httpStatus: 500 }, { retry: true, delayMs: 500 }],
    ['no attempts left', { attempt: 4, maxRetries: 3, httpStatus: 500 }, { retry: false }],
    ['retries 0', { attempt: 1, maxRetries: 0, networkError: true }, { retry: false }],
    ['400', { attempt: 1, maxRetries: 3, httpStatus: 400 }, { retry: false }],
    ['401', { attempt: 1, maxRetries: 3, httpStatus: 401 }, { retry: false }],
    ['404', { attempt: 1, maxRetries: 3, httpStatus: 404 }, { retry: false }],
    ['422', { attempt: 1, maxRetries: 3, httpStatus: 422 }, { retry: false }],
    ['501 not implemented', { attempt: 1, maxRetries: 3, httpStatus: 501 }, { retry: false }],
    ['505 version not supported', { attempt: 1, maxRetries: 3, httpStatus: 505 }, { retry: false }],
    ['2xx is not a failure', { attempt: 1, maxRetries: 3, httpStatus: 200 }, { retry: false }],
    ['neither status nor network error: a bug', { attempt: 1, maxRetries: 3 }, { retry: false }],
    ['networkError false: a bug', { attempt: 1, maxRetries: 3, networkError: false }, { retry: false }],
    ['429 honours Retry-After', { attempt: 1, maxRetries: 3, httpStatus: 429, retryAfterMs: 7000 }, { retry: true, delayMs: 7000 }],
    ['503 honours Retry-After', { attempt: 1, maxRetries: 3, httpStatus: 503, retryAfterMs: 2000 }, { retry: true, delayMs: 2000 }],
    ['Retry-After is capped', { attempt: 1, maxRetries: 3, httpStatus: 429, retryAfterMs: 3_600_000 }, { retry: true, delayMs: RETRY_AFTER_CAP_MS }],
    ['429 without Retry-After backs off', { attempt: 1, maxRetries: 3, httpStatus: 429 }, { retry: true, delayMs: 125 }],
    ['Retry-After on a 500 is not used', { attempt: 1, maxRetries: 3, httpStatus: 500, retryAfterMs: 9000 }, { retry: true, delayMs: 125 }],
  ])('%s', (_what, input, expected) => {
    expect(decideRetry({ ...input, random: half })).toEqual(expected);
  });

  test('attempts are checked before the status: even a 429 with Retry-After is not retried once they ran out', () => {
    expect(decideRetry({ attempt: 2, maxRetries: 1, httpStatus: 429, retryAfterMs: 1000, random: half })).toEqual({ retry: false });
  });

  test('the status wins over a network error flag', () => {
    expect(decideRetry({ attempt: 1, maxRetries: 3, httpStatus: 422, networkError: true, random: half })).toEqual({ retry: false });
  });

  test('full jitter: the delay is in [0, base * 2^(attempt-1)) and capped', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      const low = decideRetry({ attempt, maxRetries: 99, networkError: true, random: zero });
      const high = decideRetry({ attempt, maxRetries: 99, networkError: true, random: almostOne });
      expect(low).toEqual({ retry: true, delayMs: 0 });
      expect(high.retry && high.delayMs).toBeLessThan(ceiling);
      expect(high.retry && high.delayMs).toBeGreaterThanOrEqual(ceiling - 1);
    }
    const late = decideRetry({ attempt: 30, maxRetries: 99, networkError: true, random: almostOne });
    expect(late.retry && late.delayMs).toBeLessThan(BACKOFF_CAP_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  test.each([
    ['seconds', '5', 5000],
    ['zero', '0', 0],
    ['spaces around', ' 3 ', 3000],
    ['fractional seconds', '1.5', 1500],
    ['first of several headers', ['2', '9'], 2000],
    ['IMF-fixdate in the future', 'Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['IMF-fixdate in the past', 'Sat, 01 Mar 2025 11:59:00 GMT', 0],
    ['RFC 850 date', 'Saturday, 01-Mar-25 12:00:10 GMT', 10_000],
    ['asctime date', 'Sat Mar  1 12:00:20 2025', 20_000],
  ])('%s', (_what, header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  test.each([
    ['absent', undefined],
    ['empty', ''],
    ['negative', '-5'],
    ['words', 'soon'],
    ['number and words', '5 seconds'],
    ['a date Date.parse would guess at', '1 2'],
    ['an ISO date (not an HTTP-date)', '2025-03-01T12:00:30Z'],
    ['empty list', []],
  ])('%s is undefined', (_what, header) => {
    expect(parseRetryAfter(header as string | string[] | undefined, now)).toBeUndefined();
  });
});
