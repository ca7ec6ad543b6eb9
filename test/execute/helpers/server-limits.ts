// Models of how a server might enforce "R requests per second", for simulating the limiter in
// virtual time: each returns, for a request arriving at `t` ms, either accepted or a 429 with the
// Retry-After (in whole seconds, as HTTP sends it) the server would give.

export type LimitAnswer = { accepted: true } | { accepted: false; retryAfterS?: number };
export type ServerLimit = (t: number) => LimitAnswer;

/** Counts per calendar second, whose boundaries fall `phaseMs` into the run; the usual "fixed window". */
export function fixedWindow(limit: number, sendRetryAfter = true, phaseMs = 0): ServerLimit {
  let window = -Infinity;
  let count = 0;
  return (time) => {
    const t = time + 1000 - phaseMs;
    const current = Math.floor(t / 1000);
    if (current !== window) {
      window = current;
      count = 0;
    }
    if (count < limit) {
      count++;
      return { accepted: true };
    }
    const retryAfterS = Math.max(1, Math.ceil(((current + 1) * 1000 - t) / 1000));
    return sendRetryAfter ? { accepted: false, retryAfterS } : { accepted: false };
  };
}

/** At most `limit` accepted requests in any 1000 ms. */
export function slidingWindow(limit: number): ServerLimit {
  const times: number[] = [];
  return (t) => {
    while (times.length > 0 && times[0]! <= t - 1000) times.shift();
    if (times.length < limit) {
      times.push(t);
      return { accepted: true };
    }
    return { accepted: false, retryAfterS: Math.max(1, Math.ceil((times[0]! + 1000 - t) / 1000)) };
  };
}

/** A bucket of `burst` tokens refilled at `rate` per second. */
export function tokenBucket(rate: number, burst: number): ServerLimit {
  let tokens = burst;
  let last = 0;
  return (t) => {
    tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000);
    last = t;
    if (tokens >= 1) {
      tokens -= 1;
      return { accepted: true };
    }
    return { accepted: false, retryAfterS: 1 };
  };
}

/** A small seeded generator, so a simulation is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
