// The whole import, top to bottom: check access while the sheet is opened, load packages, run each row, write results.
import { setMaxListeners } from 'node:events';
import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RunError } from '../errors.js';
import { ApiClient, checkApiUrl } from '../execute/api-client.js';
import type { RequestEvent } from '../execute/api-types.js';
import { baseOf } from '../execute/api-url.js';
import { Journal, journalPathOf, type JournalRun } from '../execute/journal.js';
import { createLimiter } from '../execute/rate-limit.js';
import type { Sandbox } from '../sandbox/server.js';
import type { RecordStream } from '../validate/index.js';
import { resultsTarget } from '../write/target.js';
import { checkedLimits, checkReadOptions, describeOptions, type ImportOptions, type Progress, type RunHooks, type RunResult } from './options.js';
import { guardOwnRetryFile, guardResultsImport, guardRetryImport, type SameServer } from './retry-guard.js';
import { leftBehindWarning, readyToStart, refuseToLoseCreatesElsewhere, startingWith } from './run-start.js';
import type { RowOutcome, SourceRow } from './types.js';

interface Connection {
  readonly apiUrl: string;
  readonly fallbackUrl: string;
  readonly token: string;
  readonly sandbox?: Sandbox;
}

async function connect(options: ImportOptions): Promise<Connection> {
  if (options.sandbox) {
    // Loaded only to rehearse: an import against the platform does not wait for the simulator's modules.
    const { startSandbox } = await import('../sandbox/server.js');
    const sandbox = await startSandbox(options.sandbox === true ? {} : options.sandbox);
    return { apiUrl: sandbox.mainUrl, fallbackUrl: sandbox.fallbackUrl, token: sandbox.tokens.staff, sandbox };
  }
  if (!options.apiUrl) throw new RunError('CONFIG', 'No API URL: set PLATFORM_API_URL or pass --api-url (or --sandbox to rehearse).');
  if (!options.token) throw new RunError('TOKEN_MISSING', 'No staff token: PLATFORM_STAFF_TOKEN is not set.');
  const fallbackUrl = options.fallbackUrl ?? options.apiUrl;
  checkApiUrl(options.apiUrl, options.allowInsecureHttp ?? false, options.token);
  checkApiUrl(fallbackUrl, options.allowInsecureHttp ?? false, options.token);
  return { apiUrl: options.apiUrl, fallbackUrl, token: options.token };
}

/** The server a journal belongs to: the URLs as requests use them, however they were written. */
function journalRun(connection: Pick<Connection, 'apiUrl' | 'fallbackUrl'>): JournalRun {
  return { apiUrl: baseOf(connection.apiUrl).shown, fallbackUrl: baseOf(connection.fallbackUrl).shown };
}

/**
 * Whether a journal may hold creates of the server this import will send to, known before connecting:
 * a rehearsal's journal holds only a rehearsal's; any other may be this platform's, whatever URLs it
 * names (one server has other names: a host and its address, two gateways).
 */
function sameServerAs(options: ImportOptions): SameServer {
  return options.sandbox ? (header) => header.rehearsal === true : (header) => header.rehearsal !== true;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined);

export async function runImport(options: ImportOptions, hooks: RunHooks = {}): Promise<RunResult> {
  checkReadOptions(options);
  const limits = checkedLimits(options);
  const target = resultsTarget(options.file, options.out);
  const startedAt = new Date();
  const log = hooks.log ?? (() => undefined);
  // Held until the run ends: the import whose retry file this is cannot resume meanwhile.
  if (!options.dryRun) await guardOwnRetryFile(target, sameServerAs(options));
  const original = await guardRetryImport(options, journalPathOf(target.resultsPath), sameServerAs(options), log);
  const connection = await connect(options).catch(async (error: unknown) => {
    await original?.release();
    throw error;
  });
  const requests = { total: 0, rateLimited: 0 };
  const onRequest = (e: RequestEvent) => {
    requests.total++;
    if (e.httpStatus === 429) requests.rateLimited++;
  };
  /** Set once the journal is open: each create waits on its lock being surely this run's. */
  let lockedBy: Journal | undefined;
  const limiter = createLimiter({ rate: limits.rate, concurrency: limits.concurrency });
  const api = new ApiClient({
    apiUrl: connection.apiUrl,
    fallbackUrl: connection.fallbackUrl,
    token: connection.token,
    limiter,
    retries: limits.retries,
    concurrency: limits.concurrency,
    responseTimeoutMs: limits.timeoutMs,
    onRequest,
    beforeCreate: () => bothHeld(lockedBy?.held(), original?.held()),
  });
  let stream: RecordStream | undefined;
  try {
    // The preflight goes out first. While it is out, the rest of the import's code is loaded, the
    // sheet's first rows are read and validated, and the journal and results files are opened (none of
    // which sends anything), so the first lookups leave as soon as it answers. Nothing from the sheet
    // is sent before it has.
    log(`Checking access to ${connection.apiUrl}${connection.fallbackUrl === connection.apiUrl ? '' : ` and ${connection.fallbackUrl}`}`);
    const preflight = api.preflight();
    preflight.catch(() => undefined); // judged below, once the sheet has been opened
    const { readRecords, openResultsWriter, indexPackages, RowExecutor, Lookups, Tally, sheetPriceOf, OrderedQueue, countRows, summarize, identityKey, pendingOutcome } =
      await import('./import-parts.js');
    stream = await readRecords(options.file, options);
    guardResultsImport(options, stream.header, log);
    const items = stream.items[Symbol.asyncIterator]();
    const firstItem = items.next();
    firstItem.catch(() => undefined); // a read error is thrown by the loop below, or not at all if the run cannot start
    // The results writer first: it makes the results folder, where the journal goes.
    const writerOpening = openResultsWriter({ target, inputPath: options.file, header: stream.header, sheetName: stream.sheetName, delimiter: stream.delimiter, forRetry: stream.datesAsRead });
    // A dry run only reads what an earlier run did: it shows those rows as they stand, and sends nothing.
    const earlier = options.dryRun ? await Journal.peek(journalPathOf(target.resultsPath), journalRun(connection)) : undefined;
    const journalOpening = options.dryRun
      ? undefined
      : // A rehearsal on the embedded sandbox does not hold the sheet from a real import.
        writerOpening.then(() =>
          Journal.open(journalPathOf(target.resultsPath), journalRun(connection), {
            ...(connection.sandbox ? { rehearsal: true } : { sheet: options.file }),
            retryFile: basename(target.retryPath),
            create: options.onExisting === 'create',
          }),
        );
    const { checked, journal, writer } = await readyToStart(preflight, journalOpening, writerOpening);
    lockedBy = journal;
    if (journal) await refuseToLoseCreatesElsewhere(journal, writer, { rehearsal: connection.sandbox !== undefined, onExisting: options.onExisting ?? 'skip' });
    /** What throws before the rows start lets the results and the journal (and its locks) go. */
    const orLetGo = async <T>(step: () => T): Promise<T> => {
      try {
        return step();
      } catch (error) {
        await Promise.allSettled([writer.abort(), journal?.close()]);
        throw error;
      }
    };
    const packages = await orLetGo(() => {
      const index = indexPackages(checked);
      log(`${index.all.length} packages on the platform`);
      if (journal?.resumed) log(`Resuming from ${journal.path}: rows already done are not sent again`);
      return index;
    });

    const stop = new AbortController();
    // Every row waiting out a retry listens for the stop: many at once is expected, not a leak.
    setMaxListeners(0, stop.signal);
    const onUserAbort = () => stop.abort();
    options.signal?.addEventListener('abort', onUserAbort, { once: true });
    if (options.signal?.aborted) stop.abort();
    // Ctrl-C stops sending: lookups, reads and creates waiting for a slot are not sent after it.
    limiter.stopOn(stop.signal);

    const executor = await orLetGo(() => new RowExecutor({
      api,
      lookups: new Lookups(api),
      packages,
      journal,
      ...(earlier && { earlier }),
      onExisting: options.onExisting ?? 'skip',
      dryRun: options.dryRun ?? false,
      retries: limits.retries,
      settleMs: limits.settleMs,
      responseTimeoutMs: limits.timeoutMs,
      sleep,
      random: Math.random,
      signal: stop.signal,
    }));
    const waiting = executor.earlierCreatesNotice();
    if (waiting) log(waiting);

    const tally = new Tally();
    let unknownOutcomes = 0;
    let total: number | undefined;
    // The total is for progress only: without a progress hook the sheet is not read twice.
    if (hooks.progress) void countRows(options).then((n) => (total = n), () => undefined);
    const report = (phase: Progress['phase']) =>
      hooks.progress?.({ phase, done: tally.rows, total, counts: tally.counts, requests: requests.total, rateLimited: requests.rateLimited });

    /** A row's outcome, and the price the sheet gives it (counted in the sheet's total when the outcome has none). */
    type Done = { row: SourceRow; outcome: RowOutcome; sheetPrice?: { price?: string; currency: string } };
    const queue = new OrderedQueue<Done>(async ({ row, outcome, sheetPrice }) => {
      tally.add(outcome, sheetPrice);
      if (outcome.code === 'OUTCOME_UNKNOWN') unknownOutcomes++;
      await writer.write(row, outcome);
      report('running');
    }, 2000 + limits.concurrency * 8);

    let fatal: RunError | undefined;
    /** Anything else a row threw (a bug): the run stops and ends with it once the rows under way have. */
    let broken: { error: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    const maxRowsInFlight = limits.concurrency * 4;
    /** Wakes the loop when a row ends and frees a place (one waiter, so not a race over every row under way). */
    let rowEnded: (() => void) | undefined;
    // Before the first row is done (which may wait on an earlier run's create), progress has its rows and total.
    report('preparing');
    try {
      for await (const item of startingWith(firstItem, items)) {
        if (broken) throw broken.error;
        const seq = await queue.reserve();
        const { row } = item;
        if (item.outcome) {
          queue.complete(seq, { row, outcome: item.outcome });
          continue;
        }
        const sheetPrice = sheetPriceOf(item.record, packages);
        if (stop.signal.aborted) {
          queue.complete(seq, { row, outcome: executor.stoppedBefore(item.record, identityKey(item.record)), sheetPrice });
          continue;
        }
        while (inFlight.size >= maxRowsInFlight) await new Promise<void>((resolve) => (rowEnded = resolve));
        // Never rejects: a row that throws still takes its place in the results, so none is lost.
        const running: Promise<void> = executor
          .execute(item.record, identityKey(item.record))
          .then(
            (outcome) => queue.complete(seq, { row, outcome, sheetPrice }),
            (error: unknown) => {
              if (error instanceof RunError) fatal ??= error;
              else broken ??= { error };
              stop.abort();
              queue.complete(seq, { row, outcome: pendingOutcome(row.sourceRow), sheetPrice });
            },
          )
          .finally(() => {
            inFlight.delete(running);
            rowEnded?.();
            rowEnded = undefined;
          });
        inFlight.add(running);
      }
      await Promise.all(inFlight);
      if (broken) throw broken.error;
      await queue.flushed();
      // A run whose lock another run has taken meanwhile leaves the results and the journal to it.
      await journal?.stillHeld();
    } catch (error) {
      // Nothing more is sent, and the rows under way end (their outcomes reach the journal) before
      // the files close under them; what they go on to fail with is beside the error that ended the run.
      stop.abort();
      await Promise.allSettled(inFlight);
      await queue.flushed().catch(() => undefined);
      await writer.abort();
      await journal?.close();
      throw error;
    }
    // Nothing more is sent: the connections close while the results are written.
    void api.close().catch(() => undefined); // awaited, and any failure thrown, below
    report('writing');

    const interrupted = stop.signal.aborted;
    const summary = summarize({
      command: 'import',
      tally,
      startedAt,
      inputFile: options.file,
      sheet: stream.sheetName,
      apiUrl: connection.apiUrl,
      fallbackUrl: connection.fallbackUrl,
      options: describeOptions(options, {
        rate: Number.isFinite(limits.rate) ? String(limits.rate) : 'none (held to --concurrency; slows down on a 429)',
        concurrency: String(limits.concurrency),
        retries: String(limits.retries),
        settle: `${limits.settleMs / 1000} s`,
        timeout: `${limits.timeoutMs / 1000} s`,
        ...(options.sandbox ? { sandbox: 'embedded' } : {}),
        requests: String(requests.total),
        'rate limited (429)': String(requests.rateLimited),
      }),
      interrupted,
    });
    const files = await writer.finish(summary).catch(async (error: unknown) => {
      await journal?.close();
      throw error;
    });
    // Keep the journal while anything is left to resume or to read back, or rows of the sheet this run
    // did not come to (a canary run with --limit, before the whole sheet): a finished run needs none.
    const leftBehind = journal?.unvisitedRows() ?? [];
    const wholeSheet = !interrupted && !fatal && tally.counts.pending === 0 && options.limit === undefined;
    if (journal && wholeSheet && leftBehind.length > 0) log(leftBehindWarning(journal.path, leftBehind));
    const unfinished = interrupted || tally.counts.pending > 0 || unknownOutcomes > 0 || options.limit !== undefined || leftBehind.length > 0;
    if (journal) await (unfinished ? journal.close() : journal.remove());
    return { summary, files, ...(fatal && { error: fatal }) };
  } catch (error) {
    // No row is under way any more (the loop lets them end): what is left, such as the preflight when
    // the sheet could not be read, is cut off rather than waited for.
    await api.destroy();
    throw error;
  } finally {
    await stream?.close();
    await api.close();
    await connection.sandbox?.close();
    await original?.release();
  }
}

/** Resolves once both locks awaited before a create are surely this run's; at once (undefined) nearly always. */
function bothHeld(journal: Promise<void> | undefined, original: Promise<void> | undefined): Promise<void> | undefined {
  if (journal === undefined) return original;
  return original === undefined ? journal : Promise.all([journal, original]).then(() => undefined);
}
