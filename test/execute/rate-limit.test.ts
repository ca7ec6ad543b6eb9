import { describe, expect, test } from 'vitest';
import { RunError } from '../../src/errors.js';
import {
  CAREFUL_PROBE_STEP,
  CUT_TO,
  EARLY_GRANT_MS,
  HEADROOM,
  MAX_CATCH_UP_MS,
  MAX_CUT,
  MIN_RATE,
  NO_RATE_PROBE_STEP,
  PROBE_STEP,
  createLimiter,
  type RequestLimiter,
} from '../../src/execute/rate-limit.js';
import { VirtualClock } from './helpers/virtual-clock.js';

/** A `--rate` that the limiter turns into exactly `perSecond` after its headroom. */
const effective = (perSecond: number) => perSecond / HEADROOM;

function setup(rate: number, concurrency = 50) {
  const clock = new VirtualClock();
  const limiter = createLimiter({ rate: effective(rate), concurrency, now: clock.now, sleep: clock.sleep });
  /** Start time of each request, in the order they started. */
  const starts: number[] = [];
  const request = (work: () => Promise<void> = async () => {}) =>
    limiter.run(async () => {
      starts.push(clock.now());
      await work();
    });
  return { clock, limiter, starts, request };
}

const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!);

/** Six requests at 10/s on a clock whose timers all fire `lateMs` late. */
async function withLateTimers(lateMs: number) {
  const clock = new VirtualClock();
  const lateSleep = (ms: number) => clock.sleep(ms + lateMs);
  const limiter = createLimiter({ rate: effective(10), concurrency: 50, now: clock.now, sleep: lateSleep });
  const starts: number[] = [];
  await clock.until(Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => void starts.push(clock.now())))));
  return { starts };
}

/** Keeps one request a second going until `untilMs`. */
async function trickle(request: () => Promise<void>, clock: VirtualClock, untilMs: number) {
  while (clock.now() < untilMs) {
    await clock.until(request());
    await clock.run(clock.now() + 1_000);
  }
}

/** A request that is answered 429 after `latencyMs`. */
function limited(limiter: RequestLimiter, clock: VirtualClock, retryAfterMs?: number, latencyMs = 0) {
  return limiter.run(async (slot) => {
    if (latencyMs > 0) await clock.sleep(latencyMs);
    slot.rateLimited(retryAfterMs);
  });
}

describe('spacing', () => {
  test('requests start evenly spaced at the rate, the first at once', async () => {
    const { clock, starts, request } = setup(10);
    await clock.until(Promise.all(Array.from({ length: 6 }, () => request())));
    expect(starts[0]).toBe(0);
    expect(gaps(starts)).toEqual([100, 100, 100, 100, 100]);
  });

  test('--rate keeps 2% headroom under the server limit', () => {
    const limiter = createLimiter({ rate: 20, concurrency: 4 });
    expect(limiter.currentRate).toBeCloseTo(19.6);
  });

  test('after an idle spell the next request starts at once, and the ones after it are spaced again (no burst)', async () => {
    const { clock, starts, request } = setup(10);
    await clock.until(request());
    await clock.run(5_000);
    await clock.until(Promise.all([request(), request(), request()]));
    expect(starts.slice(1)).toEqual([5_000, 5_100, 5_200]);
  });

  test('a timer a few ms late does not slow the rate: starts stay on their grid', async () => {
    const { starts } = await withLateTimers(5);
    expect(starts).toEqual([0, 105, 205, 305, 405, 505]);
  });

  test('a very late timer is made up for by at most 10 ms: no catch-up burst', async () => {
    const { starts } = await withLateTimers(300);
    expect(Math.min(...gaps(starts))).toBeGreaterThanOrEqual(100 - MAX_CATCH_UP_MS);
  });

  test('above one start per millisecond the rate holds, on timers that cannot fire sooner than 1 ms', async () => {
    const clock = new VirtualClock();
    const timerSleep = (ms: number) => clock.sleep(Math.max(1, Math.ceil(ms)));
    const limiter = createLimiter({ rate: effective(5000), concurrency: 200, now: clock.now, sleep: timerSleep });
    const starts: number[] = [];
    await clock.until(Promise.all(Array.from({ length: 101 }, () => limiter.run(async () => void starts.push(clock.now())))));
    // 100 gaps of 0.2 ms: 20 ms, give or take the one tick a start may run ahead of its slot.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(20 - EARLY_GRANT_MS);
    expect(starts.at(-1)! - starts[0]!).toBeLessThanOrEqual(20 + 1);
    // No burst: in any 5 ms, the 25 starts the rate allows, plus those of the tick run ahead and the tick made up.
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 5).length).toBeLessThanOrEqual(25 + 2 * 5 + 1);
  });

  test('the concurrency cap holds however fast the rate', async () => {
    const { clock, request } = setup(1000, 3);
    let inFlight = 0;
    let most = 0;
    const slow = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await clock.sleep(250);
      inFlight--;
    };
    await clock.until(Promise.all(Array.from({ length: 12 }, () => request(slow))));
    expect(most).toBe(3);
  });

  test('waiting for a concurrency slot does not bank rate slots for a burst later', async () => {
    const { clock, starts, request } = setup(10, 1);
    const slow = () => clock.sleep(1_000);
    await clock.until(Promise.all([request(slow), request(slow), request(slow)]));
    expect(starts).toEqual([0, 1_000, 2_000]);
  });

  test('the result and the error of fn come back to the caller', async () => {
    const { clock, limiter } = setup(10);
    await expect(clock.until(limiter.run(async () => 42))).resolves.toBe(42);
    await expect(clock.until(limiter.run(async () => Promise.reject(new Error('boom'))))).rejects.toThrow('boom');
  });
});

describe('429', () => {
  /** 21 accepted requests at 10/s (2 s), then a 429 on the next one. */
  async function afterTwoSecondsAt10() {
    const setupResult = setup(10);
    const { clock, limiter, request } = setupResult;
    await clock.until(Promise.all(Array.from({ length: 21 }, () => request())));
    await clock.until(limited(limiter, clock, 3_000));
    return setupResult;
  }

  test('pauses everyone for Retry-After, then spaces them at the cut rate', async () => {
    const { clock, limiter, starts, request } = await afterTwoSecondsAt10();
    const cutAt = clock.now();
    expect(cutAt).toBe(2_100);
    const before = starts.length;
    await clock.until(Promise.all([request(), request(), request()]));
    const after = starts.slice(before);
    expect(after[0]).toBe(cutAt + 3_000);
    const spacing = 1000 / limiter.currentRate;
    expect(gaps(after)).toEqual([spacing, spacing].map((g) => expect.closeTo(g, 6)));
  });

  test('cuts the rate to 95% of what the server accepted over the last 2 s', async () => {
    const { limiter } = await afterTwoSecondsAt10();
    // Window [100, 2100] held the answers started at 100..2000: 20 in 2 s.
    expect(limiter.currentRate).toBeCloseTo(CUT_TO * 10);
  });

  test('after thousands of answers (old ones forgotten in bulk) the cut still counts exactly the last 2 s', async () => {
    const { clock, limiter, request } = setup(1000);
    // 9 s at 1,000/s: the answers older than the 4 s kept are dropped in bulk at about 8 s (once as
    // many are forgotten as kept), so the 2 s measured at 9 s span that drop.
    await clock.until(Promise.all(Array.from({ length: 9_000 }, () => request())));
    await clock.until(limited(limiter, clock, 1_000));
    // 2,000 answers in the 2 s before the 429 (give or take the one at the window's edge).
    expect(limiter.currentRate).toBeGreaterThan(CUT_TO * 999);
    expect(limiter.currentRate).toBeLessThan(CUT_TO * 1001);
  });

  test('one 429 never more than halves the rate', async () => {
    const { clock, limiter, request } = setup(40);
    await clock.until(request());
    await clock.until(limited(limiter, clock, 0));
    // One answer in a 1 s minimum span measures 1/s; the cut stops at half of 40.
    expect(limiter.currentRate).toBe(20);
  });

  test('a 429 with nothing accepted to measure halves the rate', async () => {
    const { clock, limiter } = setup(10);
    await clock.until(limited(limiter, clock, 0));
    expect(limiter.currentRate).toBe(5);
  });

  test('the rate never goes below the floor', async () => {
    const { clock, limiter } = setup(1);
    for (let i = 0; i < 5; i++) await clock.until(limited(limiter, clock, 0));
    expect(limiter.currentRate).toBe(MIN_RATE);
  });

  test('429s of requests sent before the cut do not cut again, but a longer Retry-After extends the pause', async () => {
    const { clock, limiter, starts, request } = setup(10);
    // Three requests in flight (started 0, 100, 200), all answered 429 at 500, 510, 520.
    const inFlight = [0, 1, 2].map((i) => limited(limiter, clock, i === 2 ? 4_000 : 1_000, 500 - i * 90));
    await clock.until(Promise.all(inFlight));
    expect(limiter.currentRate).toBe(5); // one cut, not three
    await clock.until(request());
    expect(starts.at(-1)).toBe(520 + 4_000);
  });

  test('without Retry-After: pause 1 s, then 2 s for a 429 that follows with no accepted answer between', async () => {
    const { clock, limiter, starts, request } = setup(100);
    await clock.until(limited(limiter, clock));
    const first = clock.now();
    await clock.until(limited(limiter, clock));
    expect(clock.now() - first).toBe(1_000);
    const second = clock.now();
    await clock.until(request());
    expect(starts.at(-1)! - second).toBe(2_000);
  });

  test('an accepted answer resets the backoff without Retry-After', async () => {
    const { clock, limiter, starts, request } = setup(100);
    await clock.until(limited(limiter, clock));
    await clock.until(request());
    await clock.until(limited(limiter, clock));
    const secondCut = clock.now();
    await clock.until(request());
    expect(starts.at(-1)! - secondCut).toBe(1_000);
  });

  test('Retry-After is capped at 60 s', async () => {
    const { clock, limiter, starts, request } = setup(10);
    await clock.until(limited(limiter, clock, 3_600_000));
    await clock.until(request());
    expect(starts.at(-1)).toBe(60_000);
  });

});

describe('recovery', () => {
  test('after a cut measured on an unsteady window: no probe for one window, then +5% a second up to the rate asked for', async () => {
    const { clock, limiter, request } = setup(10);
    await clock.until(limited(limiter, clock, 0)); // nothing measured yet: halved to 5, no limit learned
    expect(limiter.currentRate).toBe(5);
    await trickle(request, clock, 1_900);
    expect(limiter.currentRate).toBe(5);
    await trickle(request, clock, 3_500);
    expect(limiter.currentRate).toBeCloseTo(5 * PROBE_STEP ** 2);
    await trickle(request, clock, 30_000);
    expect(limiter.currentRate).toBe(10);
  });

  test('a cut measured on a steady window learns the limit: near it, only +1% every 5 s', async () => {
    const { clock, limiter, request } = setup(10);
    await clock.until(Promise.all(Array.from({ length: 21 }, () => request())));
    await clock.until(limited(limiter, clock, 0));
    const cut = limiter.currentRate;
    expect(cut).toBeCloseTo(9.5);
    const cutAt = clock.now();
    await trickle(request, clock, cutAt + 10_500);
    expect(limiter.currentRate).toBeCloseTo(cut * CAREFUL_PROBE_STEP ** 2);
  });

  test('probing stops at the rate asked for', async () => {
    const { clock, limiter, request } = setup(10);
    await clock.until(limited(limiter, clock, 0));
    await trickle(request, clock, 120_000);
    expect(limiter.currentRate).toBe(10);
  });
});

describe('with no rate set', () => {
  test('requests start as fast as the concurrency allows', async () => {
    const { clock, starts, request } = setup(Infinity, 4);
    const work = () => clock.sleep(100);
    await clock.until(Promise.all(Array.from({ length: 12 }, () => request(work))));
    expect(starts).toEqual([0, 0, 0, 0, 100, 100, 100, 100, 200, 200, 200, 200]);
  });

  test('a 429 sets a rate: half of what was being sent, climbing +10% a second from the end of the pause', async () => {
    const { clock, limiter, request } = setup(Infinity, 4);
    // 40 requests in 1 s, then a 429 with Retry-After 1 s.
    await clock.until(Promise.all(Array.from({ length: 40 }, () => request(() => clock.sleep(100)))));
    await clock.until(limited(limiter, clock, 1_000));
    expect(limiter.currentRate).toBeCloseTo(41 * MAX_CUT);
    const cut = limiter.currentRate;
    await trickle(request, clock, clock.now() + 1_000 + 3_500);
    expect(limiter.currentRate).toBeCloseTo(cut * NO_RATE_PROBE_STEP ** 3);
  });
});

describe('createLimiter', () => {
  test.each([
    [{ rate: 0, concurrency: 1 }],
    [{ rate: -1, concurrency: 1 }],
    [{ rate: Number.NaN, concurrency: 1 }],
    [{ rate: 1, concurrency: 0 }],
    [{ rate: 1, concurrency: 1.5 }],
  ])('refuses %o as a configuration error', (options) => {
    expect(() => createLimiter(options)).toThrow(RunError);
    try {
      createLimiter(options);
    } catch (error) {
      expect((error as RunError).code).toBe('CONFIG');
    }
  });
});

describe('stopping', () => {
  test('once stopped, requests waiting for a slot or asked for later are refused unsent; one already running finishes', async () => {
    const { clock, limiter, starts, request } = setup(10, 2);
    const stop = new AbortController();
    limiter.stopOn(stop.signal);
    const running = request(() => clock.sleep(500));
    const waiting = Array.from({ length: 4 }, () => request().then(() => 'sent', (error: Error) => error.name));
    await clock.run(150); // the first two have started, 100 ms apart
    stop.abort();
    const later = await request().then(() => 'sent', (error: Error) => error.name);
    await clock.until(running);
    expect(await Promise.all(waiting)).toEqual(['sent', 'StoppedBeforeSending', 'StoppedBeforeSending', 'StoppedBeforeSending']);
    expect(later).toBe('StoppedBeforeSending');
    expect(starts).toEqual([0, 100]);
  });
});

test('a request that finishes a row already under way (a read back) is still sent after the stop, in its turn', async () => {
  const { clock, limiter, starts } = setup(10, 2);
  const stop = new AbortController();
  limiter.stopOn(stop.signal);
  const run = (evenWhenStopped: boolean) => limiter.run(async () => void starts.push(clock.now()), evenWhenStopped).then(() => 'sent', (error: Error) => error.name);
  const all = [run(false), run(false), run(true), run(false)];
  await clock.run(50);
  stop.abort();
  const later = run(true);
  // The second was waiting for its rate slot (due at 100 ms) when the stop came at 50 ms.
  expect(await clock.until(Promise.all([...all, later]))).toEqual(['sent', 'StoppedBeforeSending', 'sent', 'StoppedBeforeSending', 'sent']);
  expect(starts).toEqual([0, 100, 200]);
});
