// Drives a limiter against a modelled server limit in virtual time: `workers` loops each send
// requests through the limiter (re-sending on 429, as the API client does) until `total` answers
// were accepted. Returns what a benchmark would measure.
import { createLimiter } from '../../../src/execute/rate-limit.js';
import { seededRandom, type ServerLimit } from './server-limits.js';
import { VirtualClock } from './virtual-clock.js';

export interface SimulationResult {
  readonly accepted: number;
  readonly rejected: number;
  readonly seconds: number;
  /** Accepted answers per second over the whole run. */
  readonly throughput: number;
  readonly rejectedShare: number;
  readonly finalRate: number;
}

export async function simulate(options: {
  server: ServerLimit;
  rate: number;
  concurrency: number;
  total: number;
  /** One-way latency range in ms. */
  latencyMs?: readonly [number, number];
  seed?: number;
}): Promise<SimulationResult> {
  const clock = new VirtualClock();
  const random = seededRandom(options.seed ?? 1);
  const [low, high] = options.latencyMs ?? [5, 25];
  const limiter = createLimiter({ rate: options.rate, concurrency: options.concurrency, now: clock.now, sleep: clock.sleep });
  let accepted = 0;
  let rejected = 0;
  let started = 0;

  const worker = async (): Promise<void> => {
    while (started < options.total) {
      started++;
      for (;;) {
        const ok = await limiter.run(async (slot) => {
          await clock.sleep(low + random() * (high - low));
          const answer = options.server(clock.now());
          await clock.sleep(low + random() * (high - low));
          if (!answer.accepted) slot.rateLimited(answer.retryAfterS === undefined ? undefined : answer.retryAfterS * 1000);
          return answer.accepted;
        });
        if (ok) break;
        rejected++;
      }
      accepted++;
    }
  };

  await clock.until(Promise.all(Array.from({ length: options.concurrency * 2 }, worker)));
  const seconds = clock.now() / 1000;
  return {
    accepted,
    rejected,
    seconds,
    throughput: accepted / seconds,
    rejectedShare: rejected / (accepted + rejected),
    finalRate: limiter.currentRate,
  };
}
