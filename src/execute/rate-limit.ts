// One limiter for every API call of a run: a concurrency cap, then evenly spaced start times at
// `rate` per second (never a burst), and on a 429 a pause for everyone plus a cut to the rate the
// server was seen to accept, then a climb back that slows down near the limit last seen. No
// background timers: probing is worked out whenever a slot is handed out, so an idle limiter keeps
// nothing alive. The constants were chosen by simulating fixed-window, sliding-window and
// token-bucket servers (test/execute/rate-limit-sim.test.ts).
import { setTimeout as delay } from 'node:timers/promises';
import pLimit from 'p-limit';
import { RunError } from '../errors.js';
import { RETRY_AFTER_CAP_MS } from './retry.js';

/** The slot one request runs in. */
export interface RateSlot {
  /**
   * This request got a 429: pause everyone until retryAfterMs (or a backoff) and lower the rate
   * towards what the server accepts; recover gradually once 429s stop. A request sent before the
   * last cut only extends the pause, and a 429 is not counted as an accepted answer.
   */
  rateLimited(retryAfterMs?: number): void;
}

export interface RequestLimiter {
  /**
   * Waits for a concurrency slot and a rate slot, then runs fn. Requests are spaced evenly (no
   * bursts), so a server limit of R/s is never exceeded when rate ≤ R. Once stopped, rejects with
   * StoppedBeforeSending instead of running fn, unless `evenWhenStopped`.
   */
  run<T>(fn: (slot: RateSlot) => Promise<T>, evenWhenStopped?: boolean): Promise<T>;
  /** From `signal`'s abort on, no request starts: those waiting for a slot are refused, those sent finish. */
  stopOn(signal: AbortSignal): void;
  readonly currentRate: number;
}

/** A request the run stopped before it was sent: nothing of it reached the server. */
export class StoppedBeforeSending extends Error {
  constructor() {
    super('the run stopped before this request was sent');
    this.name = 'StoppedBeforeSending';
  }
}

/**
 * Requests are spaced for this share of `--rate`: 20 ms of slack per second, so jitter between our
 * send and the server's clock does not put R+1 requests into one of its seconds.
 */
export const HEADROOM = 0.98;
/**
 * A timer that fires late is made up for on the next slot, by at most this (or a quarter of the
 * spacing, or a timer tick if that is more): starts stay on their grid, so timer lateness does not
 * slow the rate, and the 20 ms of headroom per second still keeps R+1 starts out of any one second.
 */
export const MAX_CATCH_UP_MS = 10;
/**
 * A slot is handed out up to this early, rather than on a timer that cannot fire sooner: starts
 * then run at most this far ahead of their grid, and never add up to a start more in any window.
 */
export const EARLY_GRANT_MS = 1;
/**
 * When a 429 comes, answers accepted over this window are counted (a run younger than this is
 * counted over the whole of it: it has seen a burst, not a rate). The window is steady when it was
 * all spent sending, with no pause in it; only then is the measure trusted as the server's limit.
 */
export const MEASURE_WINDOW_MS = 2_000;
/** After a 429 the rate becomes this share of the rate the server accepted... */
export const CUT_TO = 0.95;
/** ...but one 429 never more than halves it: a window holding a long pause or a burst misreads the limit. */
export const MAX_CUT = 0.5;
export const MIN_RATE = 0.5;
/**
 * Far below the last limit seen (or with none seen): +5% every second without a 429. After a cut
 * measured over an unsteady window, probing starts only a full window after the pause, so that a
 * 429 it provokes is measured steadily.
 */
export const PROBE_EVERY_MS = 1_000;
export const PROBE_STEP = 1.05;
/** With no --rate there is no ceiling to stop at, and the first cut reads a burst: +10% a second. */
export const NO_RATE_PROBE_STEP = 1.1;
/** From CUT_TO of the last limit seen up to FORGET_LIMIT_ABOVE times it: +1% every 5 s. */
export const CAREFUL_PROBE_EVERY_MS = 5_000;
export const CAREFUL_PROBE_STEP = 1.01;
export const FORGET_LIMIT_ABOVE = 1.1;
/** Pause after a 429 without Retry-After: 1 s, doubled for each 429 with no accepted answer between. */
export const PAUSE_BASE_MS = 1_000;
export const PAUSE_MAX_MS = 20_000;

/** One handed-out slot; a 429 reported through it marks it. */
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
  // Infinity: no rate set; requests are held to the concurrency only, until a 429 gives a rate to keep.
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RunError('CONFIG', `--concurrency must be a whole number of at least 1 (got ${options.concurrency}).`);
  }
  const now = options.now ?? (() => performance.now()); // monotonic: a wall-clock change cannot stall or burst
  return new AdaptiveLimiter(options.rate * HEADROOM, options.concurrency, now, options.sleep ?? ((ms) => delay(ms)));
}

class AdaptiveLimiter implements RequestLimiter {
  private readonly slots: ReturnType<typeof pLimit>;
  private rate: number;

  // Handing out start times, one at a time.
  private waiting: Array<{ go: () => void; refuse?: (error: Error) => void }> = [];
  private stopped = false;
  private pumping = false;
  /** The slot the last start was counted at: its scheduled time, or a little after if its timer was very late. */
  private lastSlotAt = -Infinity;
  private pausedUntil = -Infinity;
  private grantSeq = 0;
  private firstGrantAt: number | undefined;

  // What the server accepted, and the last cut.
  /** Grant times of answers that were not 429, oldest first (roughly); those before acceptedFrom are forgotten. */
  private accepted: number[] = [];
  private acceptedFrom = 0;
  /** Grants numbered up to this were sent before the last cut. */
  private cutSeq = 0;
  /** The accepted rate measured at the last cut; Infinity when none is known. */
  private knownLimit = Infinity;
  private nextProbeAt = Infinity;
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

  stopOn(signal: AbortSignal): void {
    const stop = () => {
      this.stopped = true;
      const refused = this.waiting.filter((waiter) => waiter.refuse !== undefined);
      this.waiting = this.waiting.filter((waiter) => waiter.refuse === undefined);
      for (const waiter of refused) waiter.refuse?.(new StoppedBeforeSending());
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  }

  run<T>(fn: (slot: RateSlot) => Promise<T>, evenWhenStopped = false): Promise<T> {
    return this.slots(async () => {
      if (this.stopped && !evenWhenStopped) throw new StoppedBeforeSending();
      await new Promise<void>((go, refuse) => {
        this.waiting.push(evenWhenStopped ? { go } : { go, refuse });
        this.pump();
      });
      const grant: Grant = { seq: ++this.grantSeq, at: this.now(), limited: false };
      this.firstGrantAt ??= grant.at;
      const result = await fn({ rateLimited: (retryAfterMs) => this.limitedAt(grant, retryAfterMs) });
      if (!grant.limited) this.recordAccepted(grant);
      return result;
    });
  }

  private limitedAt(grant: Grant, retryAfterMs: number | undefined): void {
    const now = this.now();
    grant.limited = true;
    const askedPauseMs = retryAfterMs === undefined ? undefined : Math.min(Math.max(0, retryAfterMs), RETRY_AFTER_CAP_MS);

    // A request sent at the old rate: the cut already happened; only a longer Retry-After counts.
    if (grant.seq <= this.cutSeq) {
      if (askedPauseMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + askedPauseMs);
      return;
    }

    const { measured, steady } = this.acceptedRateUntil(grant.at);
    // An unsteady window (young run, or a pause in it) misreads the limit: cut, but learn nothing.
    this.knownLimit = measured !== undefined && steady ? measured : Infinity;
    const target = measured === undefined ? 0 : CUT_TO * Math.min(this.rate, measured);
    this.rate = Math.max(Math.min(MIN_RATE, this.maxRate), MAX_CUT * this.sendingRate(now), target);

    this.pausesWithoutAnswer++;
    const pauseMs = askedPauseMs ?? Math.min(PAUSE_MAX_MS, PAUSE_BASE_MS * 2 ** (this.pausesWithoutAnswer - 1));
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
    this.cutSeq = this.grantSeq;
    // With no --rate the cut is a guess from a burst: climbing starts right after the pause.
    const settle = steady || !Number.isFinite(this.maxRate) ? this.probeEvery() : MEASURE_WINDOW_MS;
    this.nextProbeAt = this.pausedUntil + settle;
  }

  /** Starts the loop that hands out start times, unless it is running. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.handOutSlots();
  }

  private async handOutSlots(): Promise<void> {
    // The first slot after an idle spell counts from now; later ones keep to the grid.
    let idle = true;
    while (this.waiting.length > 0) {
      const now = this.now();
      this.probe(now);
      const spacing = 1000 / this.rate;
      const at = Math.max(this.lastSlotAt + spacing, this.pausedUntil);
      // A slot due within a timer tick is handed out now (never during a pause): at a high rate
      // a timer per slot would cap the starts at about one per millisecond.
      if (at > now + (now < this.pausedUntil ? 0 : EARLY_GRANT_MS)) {
        await this.sleep(at - now);
        idle = false;
        continue; // the rate or the pause may have changed meanwhile
      }
      // Only a timer's lateness is made up for, and by no more than catchUp.
      const catchUp = Math.min(MAX_CATCH_UP_MS, Math.max(spacing / 4, EARLY_GRANT_MS));
      this.lastSlotAt = Math.max(at, idle ? now : now - catchUp);
      idle = false;
      this.waiting.shift()?.go();
    }
    // Same synchronous step as the emptiness check, so no waiter is left without a pump.
    this.pumping = false;
  }

  /**
   * The rate requests were being sent at: the rate set, or with none set (no --rate) the run's
   * average so far, over at least a second.
   */
  private sendingRate(now: number): number {
    if (Number.isFinite(this.rate)) return this.rate;
    const seconds = Math.max(1, (now - (this.firstGrantAt ?? now)) / 1000);
    return this.grantSeq / seconds;
  }

  /** Raises the rate for each probe period that passed without a 429. */
  private probe(now: number): void {
    while (this.rate < this.maxRate && now >= this.nextProbeAt) {
      const careful = this.isNearKnownLimit();
      const step = careful ? CAREFUL_PROBE_STEP : Number.isFinite(this.maxRate) ? PROBE_STEP : NO_RATE_PROBE_STEP;
      this.rate = Math.min(this.maxRate, this.rate * step);
      if (this.rate > FORGET_LIMIT_ABOVE * this.knownLimit) this.knownLimit = Infinity;
      this.nextProbeAt += this.probeEvery();
    }
  }

  private probeEvery(): number {
    return this.isNearKnownLimit() ? CAREFUL_PROBE_EVERY_MS : PROBE_EVERY_MS;
  }

  private isNearKnownLimit(): boolean {
    return this.rate >= CUT_TO * this.knownLimit;
  }

  private recordAccepted(grant: Grant): void {
    if (grant.seq > this.cutSeq) this.pausesWithoutAnswer = 0;
    this.accepted.push(grant.at);
    const oldest = this.now() - 2 * MEASURE_WINDOW_MS;
    while (this.acceptedFrom < this.accepted.length && this.accepted[this.acceptedFrom]! < oldest) this.acceptedFrom++;
    // Forgotten times are dropped in bulk: copying the window at every answer cost O(window) each.
    if (this.acceptedFrom >= 1024 && this.acceptedFrom * 2 >= this.accepted.length) {
      this.accepted = this.accepted.slice(this.acceptedFrom);
      this.acceptedFrom = 0;
    }
  }

  /** Answers accepted per second over the window ending at `end` (undefined with none), and whether it was steady. */
  private acceptedRateUntil(end: number): { measured: number | undefined; steady: boolean } {
    const start = end - MEASURE_WINDOW_MS;
    const steady = start >= (this.firstGrantAt ?? end) && start >= this.pausedUntil;
    let count = 0;
    for (let i = this.acceptedFrom; i < this.accepted.length; i++) {
      const at = this.accepted[i]!;
      if (at >= start && at <= end) count++;
    }
    return { measured: count === 0 ? undefined : count / (MEASURE_WINDOW_MS / 1000), steady };
  }
}
