// Progress for a person: a bar on a terminal, a plain line every few seconds anywhere else (logs, CI).
import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { Progress } from '../pipeline/options.js';
import { STATUSES } from '../pipeline/types.js';

export interface ProgressView {
  update(progress: Progress): void;
  /** Prints a line above the bar without tearing it. */
  log(line: string): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5000;

function countsText(progress: Progress): string {
  return STATUSES.filter((s) => progress.counts[s] > 0)
    .map((s) => `${s} ${progress.counts[s]}`)
    .join(', ');
}

/**
 * Rows a second since the first row was done: the time before it (start-up, the access check, the
 * first lookups) is no rate. Undefined until rows have been coming for a second.
 */
class RowRate {
  private first: { at: number; done: number } | undefined;

  of(done: number): number | undefined {
    const now = Date.now();
    if (!this.first) {
      if (done > 0) this.first = { at: now, done };
      return undefined;
    }
    const seconds = (now - this.first.at) / 1000;
    return seconds >= 1 ? (done - this.first.done) / seconds : undefined;
  }
}

export function createProgressView(stream: NodeJS.WriteStream, enabled: boolean): ProgressView {
  if (!enabled) {
    return { update: () => undefined, log: (line) => stream.write(`${line}\n`), stop: () => undefined };
  }
  const rate = new RowRate();
  if (!stream.isTTY) return plainView(stream, rate);

  // Loaded only for a bar: runs in scripts and logs never need it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | {counts}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const total = progress.total ?? Math.max(progress.done, 1);
      const payload = { speed: rate.of(progress.done)?.toFixed(1) ?? '…', counts: countsText(progress) };
      if (!started) {
        bar.start(total, progress.done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(progress.done, payload);
      }
    },
    log(line) {
      if (started) bar.stop();
      stream.write(`${line}\n`);
      started = false;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function plainView(stream: NodeJS.WriteStream, rate: RowRate): ProgressView {
  let lastPrinted = 0;
  let latest: Progress | undefined;
  /** The last line printed, its rate left out: the end of a run does not say the same thing again. */
  let lastSaid: string | undefined;
  /**
   * Says the line again once no row has been done for as long (rows waiting out an earlier run's
   * creates, a slow platform): a log that stops looks like a run that hangs.
   */
  let quiet: NodeJS.Timeout | undefined;
  const sayAgainWhenQuiet = () => {
    if (quiet) quiet.refresh();
    else quiet = setTimeout(() => latest && latest.phase !== 'writing' && print(latest), PLAIN_EVERY_MS).unref();
  };
  const said = (progress: Progress) => {
    const of = progress.total !== undefined ? ` of ${progress.total}` : '';
    const rows = (progress.total ?? progress.done) === 1 ? 'row' : 'rows';
    return { done: `${progress.done}${of} ${rows} done`, counts: countsText(progress) || 'starting' };
  };
  const print = (progress: Progress) => {
    const { done, counts } = said(progress);
    const perSecond = rate.of(progress.done);
    const speed = perSecond === undefined ? '' : `, ${perSecond.toFixed(1)} rows/s`;
    stream.write(`${done}${speed}; ${counts}\n`);
    lastPrinted = Date.now();
    lastSaid = `${done}; ${counts}`;
    sayAgainWhenQuiet();
  };
  return {
    update(progress) {
      latest = progress;
      rate.of(progress.done); // the first row done starts the rate, whether or not its line is printed
      sayAgainWhenQuiet();
      // Before the first row is done there is nothing to say yet, unless that takes a while.
      if (progress.phase !== 'preparing' && Date.now() - lastPrinted >= PLAIN_EVERY_MS) print(progress);
    },
    log: (line) => stream.write(`${line}\n`),
    stop() {
      if (latest && latest.done > 0 && lastSaid !== undefined) {
        const { done, counts } = said(latest);
        if (`${done}; ${counts}` !== lastSaid) print(latest);
      }
      clearTimeout(quiet); // after the last print, which would set it again
    },
  };
}
