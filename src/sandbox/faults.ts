// The fault knobs: added latency, a per-token rate limit, injected 500s, dropped connections, and
// creates a gateway gives up on while the platform behind it goes on to make them.
// Every random decision comes from a seeded generator, one stream per kind of fault, and each
// stream is drawn once per eligible request whatever the probability, so the same seed and the
// same sequence of requests give the same faults even after setFaults changes a rate mid-run.

export interface FaultSettings {
  latencyMs: number;
  /** Requests per second per token; 0 = no limit. */
  rate: number;
  failRate: number;
  dropBefore: number;
  dropAfter: number;
  /** Probability that a create is answered 504 by the gateway at once, and made lateCommitMs later. */
  lateCommit: number;
  lateCommitMs: number;
}

export const NO_FAULTS: FaultSettings = { latencyMs: 0, rate: 0, failRate: 0, dropBefore: 0, dropAfter: 0, lateCommit: 0, lateCommitMs: 2_000 };

/** Throws a RangeError naming the knob when a value is out of its range. */
export function checkFaults(faults: Partial<FaultSettings>): void {
  for (const knob of ['failRate', 'dropBefore', 'dropAfter', 'lateCommit'] as const) {
    const p = faults[knob];
    if (p !== undefined && !(typeof p === 'number' && p >= 0 && p <= 1)) {
      throw new RangeError(`${knob} must be a probability between 0 and 1, got ${String(p)}`);
    }
  }
  const { rate } = faults;
  for (const knob of ['latencyMs', 'lateCommitMs'] as const) {
    const ms = faults[knob];
    if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
      throw new RangeError(`${knob} must be a number of milliseconds >= 0, got ${String(ms)}`);
    }
  }
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate >= 0)) {
    throw new RangeError(`rate must be a number of requests per second >= 0 (0 = no limit), got ${String(rate)}`);
  }
}

/** mulberry32: small, fast, and the same numbers on every platform for a given seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class FaultPlan {
  settings: FaultSettings;
  private readonly failDraw: () => number;
  private readonly dropBeforeDraw: () => number;
  private readonly dropAfterDraw: () => number;
  private readonly lateCommitDraw: () => number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly seed: number,
    settings: Partial<FaultSettings>,
    private readonly now: () => number = () => performance.now(),
  ) {
    checkFaults(settings);
    this.settings = { ...NO_FAULTS, ...definedOnly(settings) };
    // Distinct odd offsets keep the streams apart for any seed.
    this.failDraw = mulberry32(seed);
    this.dropBeforeDraw = mulberry32(seed ^ 0x9e3779b9);
    this.dropAfterDraw = mulberry32(seed ^ 0x7f4a7c15);
    this.lateCommitDraw = mulberry32(seed ^ 0x2545f491);
  }

  update(changes: Partial<FaultSettings>): void {
    checkFaults(changes);
    const rateChanged = changes.rate !== undefined && changes.rate !== this.settings.rate;
    this.settings = { ...this.settings, ...definedOnly(changes) };
    if (rateChanged) this.buckets.clear();
  }

  shouldFail(): boolean {
    return this.failDraw() < this.settings.failRate;
  }

  shouldDropBefore(): boolean {
    return this.dropBeforeDraw() < this.settings.dropBefore;
  }

  shouldDropAfter(): boolean {
    return this.dropAfterDraw() < this.settings.dropAfter;
  }

  shouldCommitLate(): boolean {
    return this.lateCommitDraw() < this.settings.lateCommit;
  }

  /** Token bucket per token, burst = rate: a steady client under the rate is never refused. */
  admit(token: string): RateDecision {
    const { rate } = this.settings;
    if (rate <= 0) return { allowed: true };
    const capacity = Math.max(1, rate);
    const now = this.now();
    const bucket = this.buckets.get(token) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(token, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
  }
}

function definedOnly(values: Partial<FaultSettings>): Partial<FaultSettings> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<FaultSettings>;
}
