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

function progress(done: number, created: number, total: number | undefined = 100): Progress {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  counts.created = created;
  return { phase: 'running', done, ...(total !== undefined && { total }), counts, requests: done, rateLimited: 0 };
}

/** What validate reports: valid rows, and no total (it reads the sheet once). */
function validated(done: number, phase: Progress['phase'] = 'running'): Progress {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  counts.valid = done;
  return { phase, done, counts, requests: 0, rateLimited: 0 };
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

  test('while no row is done (rows waiting out an earlier run\'s creates), the line comes again every 5 s, the same', () => {
    const { stream, lines } = plainStream();
    const view = createProgressView(stream, true);
    const starting = { ...progress(0, 0), phase: 'preparing' as const };
    view.update(starting);
    expect(lines).toEqual([]); // nothing to say yet: the first rows are usually done well before 5 s
    vi.advanceTimersByTime(12_000);
    expect(lines).toEqual(['0 of 100 rows done; starting', '0 of 100 rows done; starting']);

    view.update(progress(1, 1)); // 2 s after the last line: not yet
    vi.advanceTimersByTime(1_000);
    view.update(progress(3, 3));
    vi.advanceTimersByTime(10_000); // then nothing, for 10 s
    view.stop();
    vi.advanceTimersByTime(20_000); // and nothing after the end
    expect(lines).toEqual([
      '0 of 100 rows done; starting',
      '0 of 100 rows done; starting',
      '3 of 100 rows done, 0.3 rows/s; created 3',
      '3 of 100 rows done, 0.2 rows/s; created 3',
    ]);
  });

  test('one row is "1 row", with or without a total', () => {
    const alone = plainStream();
    createProgressView(alone.stream, true).update(validated(1));
    const ofOne = plainStream();
    createProgressView(ofOne.stream, true).update(progress(1, 1, 1));
    const ofTwo = plainStream();
    createProgressView(ofTwo.stream, true).update(progress(1, 1, 2));
    const two = plainStream();
    createProgressView(two.stream, true).update(validated(2));
    expect([...alone.lines, ...ofOne.lines, ...ofTwo.lines, ...two.lines]).toEqual([
      '1 row done; valid 1',
      '1 of 1 row done; created 1',
      '1 of 2 rows done; created 1',
      '2 rows done; valid 2',
    ]);
  });

  test('the end of a run says its last line once: again only when something changed since', () => {
    const { stream, lines } = plainStream();
    const view = createProgressView(stream, true);
    view.update(validated(1));
    vi.advanceTimersByTime(20); // the results are written
    view.update(validated(1, 'writing'));
    view.stop();
    expect(lines).toEqual(['1 row done; valid 1']);

    const later = plainStream();
    const run = createProgressView(later.stream, true);
    run.update(progress(1, 1));
    vi.advanceTimersByTime(2_000);
    run.update(progress(30, 30));
    run.stop();
    expect(later.lines).toEqual(['1 of 100 rows done; created 1', '30 of 100 rows done, 14.5 rows/s; created 30']);
  });
});
