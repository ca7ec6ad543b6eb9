import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createProgressView } from '../../src/cli/progress.js';
import type { Progress } from '../../src/pipeline/options.js';
import { STATUSES, type Status } from '../../src/pipeline/types.js';

/** A stream that is not a terminal (a log file, CI), keeping what was written. */
function plainStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(...text.trimEnd().split('\n')) };
  return { stream: stream as unknown as NodeJS.WriteStream, lines };
}

function progress(done: number, created: number): Progress {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  counts.created = created;
  return { phase: 'running', done, total: 100, counts, requests: done, rateLimited: 0 };
}

describe('progress off a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-24T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  test('one line every 5 s, its rate counted from the first row done, not from the start', () => {
    const { stream, lines } = plainStream();
    const view = createProgressView(stream, true);
    vi.advanceTimersByTime(3_000); // start-up, the access check and the first lookups: no rows yet
    view.update(progress(1, 1));
    vi.advanceTimersByTime(2_000);
    view.update(progress(41, 41));
    vi.advanceTimersByTime(3_000);
    view.update(progress(61, 61));
    view.stop();
    // 60 rows in the 5 s after the first one: 12 a second (counted from the start, 7.6).
    expect(lines).toEqual(['1 of 100 rows done; created 1', '61 of 100 rows done, 12.0 rows/s; created 61']);
  });
});
