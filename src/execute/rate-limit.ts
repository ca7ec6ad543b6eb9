// One limiter for every API call of a run: a concurrency cap, then evenly spaced start times at
// `rate` per second (never a burst), and on a 429 a pause for everyone plus a cut to the rate the
// server was seen to accept, then a slow climb back. No background timers: probing is worked out
// whenever a slot is handed out, so an idle limiter keeps nothing alive.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import pLimit from 'p-limit';
import { RunError } from '../errors.js';
import { RETRY_AFTER_CAP_MS } from './retry.js';

export interface RequestLimiter {
  /** Waits for a concurrency slot and a rate slot, then runs fn. Requests are spaced evenly (no bursts), so a server limit of R/s is never exceeded when rate ≤ R. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * A 429 came back: pause everyone until retryAfterMs (or a backoff) and lower the rate towards
   * what the server accepts; recover gradually once 429s stop. Call it inside the `run` callback
   * that got the 429: the limiter then knows the request was sent before its last cut (and only
   * extends the pause) and does not count it as an accepted answer.
   */
  rateLimited(retryAfterMs?: number): void;
  readonly currentRate: number;
}

/**
 * Requests are spaced for this share of `--rate`: 20 ms of slack per second, so jitter between our
 * send and the server's clock does not put R+1 requests into one of its seconds.
 */
export const HEADROOM = 0.98;
/** Accepted answers are counted over this window when a 429 comes... */
export const MEASURE_WINDOW_MS = 2_000;
/** ...and over at least this span: a run younger than the server's second has seen a burst, not a rate. */
export const MIN_MEASURE_SPAN_MS = 1_000;
/** After a 429 the rate becomes this share of the rate the server accepted... */
export const CUT_TO = 0.95;
/** ...but one 429 never more than halves it: a window holding a long pause or a burst misreads the limit. */
export const MAX_CUT = 0.5;
export const MIN_RATE = 0.5;
/** Far below the last limit seen (or with none seen): +5% every second without a 429. */
export const PROBE_EVERY_MS = 1_000;
export const PROBE_STEP = 1.05;
/** From CUT_TO of the last limit seen up to FORGET_LIMIT_ABOVE times it: +1% every 5 s. */
export const CAREFUL_PROBE_EVERY_MS = 5_000;
export const CAREFUL_PROBE_STEP = 1.01;
export const FORGET_LIMIT_ABOVE = 1.1;
/** Pause after a 429 without Retry-After: 1 s, doubled for each 429 with no accepted answer between. */
export const PAUSE_BASE_MS = 1_000;
export const PAUSE_MAX_MS = 20_000;

/** One handed-out slot; `rateLimited` called inside its `run` marks it. */
interface Grant {
  readonly seq: number;
  readonly at: number;
  limited: boolean;
}

export function createLimiter(options: {
  rate: number;
  concurrency: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): RequestLimiter {
  if (!(options.rate > 0)) throw new RunError('CONFIG', `--rate must be a number above 0 (got ${options.rate}).`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RunError('CONFIG', `--concurrency must be a whole number of at least 1 (got ${options.concurrency}).`);
  }
  return new AdaptiveLimiter(options.rate * HEADROOM, options.concurrency, options.now ?? Date.now, options.sleep ?? ((ms) => delay(ms)));
}

class AdaptiveLimiter implements RequestLimiter {
  private readonly slots: ReturnType<typeof pLimit>;
  private readonly grants = new AsyncLocalStorage<Grant>();
  private rate: number;

  // Handing out start times, one at a time.
  private readonly waiting: Array<() => void> = [];
  private pumping = false;
  private lastGrantAt = -Infinity;
  private pausedUntil = -Infinity;
  private grantSeq = 0;
  private firstGrantAt: number | undefined;

  // What the server accepted, and the last cut.
  /** Grant times of answers that were not 429, oldest first (roughly). */
  private accepted: number[] = [];
  /** Grants numbered up to this were sent before the last cut. */
  private cutSeq = 0;
  /** The accepted rate measured at the last cut; Infinity when none is known. */
  private knownLimit = Infinity;
  private lastRateChangeAt = -Infinity;
  private pausesWithoutAnswer = 0;

  constructor(
    private readonly maxRate: number,
    concurrency: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.rate = maxRate;
    this.slots = pLimit(concurrency);
  }

  get currentRate(): number {
    return this.rate;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.slots(async () => {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.pump();
      });
      const grant: Grant = { seq: ++this.grantSeq, at: this.now(), limited: false };
      this.firstGrantAt ??= grant.at;
      const result = await this.grants.run(grant, fn);
      if (!grant.limited) this.recordAccepted(grant);
      return result;
    });
  }

  rateLimited(retryAfterMs?: number): void {
    const now = this.now();
    const grant = this.grants.getStore();
    if (grant) grant.limited = true;
    const askedPauseMs = retryAfterMs === undefined ? undefined : Math.min(Math.max(0, retryAfterMs), RETRY_AFTER_CAP_MS);

    // A request sent at the old rate: the cut already happened; only a longer Retry-After counts.
    const sentBeforeCut = grant ? grant.seq <= this.cutSeq : now < this.pausedUntil;
    if (sentBeforeCut) {
      if (askedPauseMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + askedPauseMs);
      return;
    }

    this.pausesWithoutAnswer++;
    const pauseMs = askedPauseMs ?? Math.min(PAUSE_MAX_MS, PAUSE_BASE_MS * 2 ** (this.pausesWithoutAnswer - 1));
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);

    const measured = this.acceptedRateUntil(grant?.at ?? now);
    this.knownLimit = measured ?? Infinity;
    const target = measured === undefined ? 0 : CUT_TO * Math.min(this.rate, measured);
    this.rate = Math.max(Math.min(MIN_RATE, this.maxRate), MAX_CUT * this.rate, target);
    this.cutSeq = this.grantSeq;
    this.lastRateChangeAt = this.pausedUntil;
  }

  /** Starts the loop that hands out start times, unless it is running. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.handOutSlots();
  }

  private async handOutSlots(): Promise<void> {
    while (this.waiting.length > 0) {
      const now = this.now();
      this.probe(now);
      // From the actual time of the last grant, so a late timer never leads to a catch-up burst.
      const at = Math.max(this.lastGrantAt + 1000 / this.rate, this.pausedUntil);
      if (at > now) {
        await this.sleep(at - now);
        continue; // the rate or the pause may have changed meanwhile
      }
      this.lastGrantAt = now;
      this.waiting.shift()?.();
    }
    // Same synchronous step as the emptiness check, so no waiter is left without a pump.
    this.pumping = false;
  }

  /** Raises the rate for each probe period that passed without a 429. */
  private probe(now: number): void {
    while (this.rate < this.maxRate) {
      const careful = this.rate >= CUT_TO * this.knownLimit;
      const every = careful ? CAREFUL_PROBE_EVERY_MS : PROBE_EVERY_MS;
      if (now - this.lastRateChangeAt < every) return;
      this.lastRateChangeAt += every;
      this.rate = Math.min(this.maxRate, this.rate * (careful ? CAREFUL_PROBE_STEP : PROBE_STEP));
      if (this.rate > FORGET_LIMIT_ABOVE * this.knownLimit) this.knownLimit = Infinity;
    }
  }

  private recordAccepted(grant: Grant): void {
    if (grant.seq > this.cutSeq) this.pausesWithoutAnswer = 0;
    this.accepted.push(grant.at);
    const oldest = this.now() - 2 * MEASURE_WINDOW_MS;
    const firstKept = this.accepted.findIndex((at) => at >= oldest);
    if (firstKept !== 0) this.accepted = firstKept === -1 ? [] : this.accepted.slice(firstKept);
  }

  /** Answers accepted per second over the window ending at `end`; undefined with none to count. */
  private acceptedRateUntil(end: number): number | undefined {
    const start = Math.max(end - MEASURE_WINDOW_MS, this.firstGrantAt ?? end);
    const count = this.accepted.filter((at) => at >= start && at <= end).length;
    if (count === 0) return undefined;
    return count / (Math.max(end - start, MIN_MEASURE_SPAN_MS) / 1000);
  }
}
