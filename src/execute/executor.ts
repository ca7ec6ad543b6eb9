// One row from record to outcome: resolve, check what exists, create exactly once.
// Exactly once rests on three rules: an intent is durable before every create is sent; a create whose
// answer was lost is read back before anything is sent again (in this run or a resumed one); and one
// the platform may still be working on is first given time to finish.
import { RunError } from '../errors.js';
import type { AssignmentRecord, RowOutcome } from '../pipeline/types.js';
import type { Lookups } from '../resolve/lookups.js';
import { resolveClient, resolveClientWithId, resolvePackage, type PackageIndex } from '../resolve/resolve.js';
import type { Client, ClientPackage, CreateBody, CreateResult, Package } from './api-types.js';
import { ApiError, DEFAULT_RESPONSE_TIMEOUT_MS } from './api-client.js';
import type { Journal, PriorState, PriorStates } from './journal.js';
import { createdMessage, skippedMessage, wouldCreateMessage } from './messages.js';
import { StoppedBeforeSending } from './rate-limit.js';
import { decideRetry } from './retry.js';

export interface CreateApi {
  createClientPackage(body: CreateBody): Promise<CreateResult>;
  /** With `readBack`, the read of a create already sent: part of finishing that row, so sent even after a stop. */
  listClientPackages(clientId: string, how?: { readBack?: boolean }): Promise<ClientPackage[]>;
}

export interface RowExecutorOptions {
  readonly api: CreateApi;
  readonly lookups: Lookups;
  readonly packages: PackageIndex;
  /** Absent on a dry run: nothing is sent, so there is nothing to remember. */
  readonly journal?: Journal;
  /** On a dry run, what an earlier run's journal says (read, not written): its rows are shown as they stand. */
  readonly earlier?: PriorStates;
  readonly onExisting: 'skip' | 'create';
  readonly dryRun: boolean;
  readonly retries: number;
  /** Resolves after `ms`, or early once `signal` is aborted. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** Aborted on Ctrl-C: rows not yet sent become `pending`. */
  readonly signal?: AbortSignal;
  /** Pause before reading back a lost create, so a slow server has finished committing it. */
  readonly readBackDelayMs?: number;
  /**
   * How long a create the platform may still be working on (no answer in time, a connection dropped
   * after sending, a gateway's error) is given to finish, from its unclear answer, before a read back
   * that does not find it lets it be sent again. An earlier run's create that never got an answer is
   * given as long from when that answer was due.
   */
  readonly settleMs?: number;
  /** Wall-clock milliseconds, kept in the journal across runs. */
  readonly now?: () => number;
  /** The longest a create waits for its answer (the API client's). */
  readonly responseTimeoutMs?: number;
}

export const DEFAULT_SETTLE_MS = 60_000;

type Step<T> = { ok: true; value: T } | { ok: false; outcome: RowOutcome };

const RUN_AGAIN = 'Run the same command again: it reads back first, and sends it only if it is still not there.';

export const INTERRUPTED_MESSAGE = 'not sent: the run was interrupted; run the same command again to resume';

export class RowExecutor {
  /**
   * Resolved (client, package, valid_from), and the row that has it: two rows never create the same
   * package. Rows claim in sheet order, so the later of two is the duplicate; what an earlier run of
   * the sheet made is claimed from the start, whatever row of this run comes to it first.
   */
  private readonly claimed = new Map<string, Claim>();
  /** Settles once every row started so far has claimed what it resolved to, or ended without. */
  private lastTurn: Promise<void> = Promise.resolve();
  /** The claims of an earlier run, by row key. */
  private readonly claimsByKey = new Map<string, Claim>();
  private readonly now: () => number;
  private readonly settleMs: number;
  private readonly responseTimeoutMs: number;
  private readonly startedAt: number;

  constructor(private readonly options: RowExecutorOptions) {
    this.now = options.now ?? Date.now;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    this.startedAt = this.now();
    // What an earlier run made, or sent and never heard back about, stays its row's.
    for (const [key, prior] of (options.journal ?? options.earlier)?.priorStates() ?? []) {
      const { done } = prior;
      const identity =
        done?.resolvedClientId !== undefined && done.resolvedPackageId !== undefined
          ? identityOf(done.resolvedClientId, done.resolvedPackageId, validFromOfKey(key))
          : prior.unsettledSince !== undefined
            ? prior.claim
            : undefined;
      if (identity === undefined) continue;
      const claim: Claim = { key, ...(done && { earlier: done }) };
      this.claimed.set(identity, claim);
      this.claimsByKey.set(key, claim);
    }
  }

  /**
   * The creates an earlier run sent and got no clear answer to that are still given time to finish on
   * the platform, and when the last of them has had it: their rows wait until then before they are read
   * back. None on a dry run, which waits for nothing.
   */
  earlierCreatesWaiting(): { readonly creates: number; readonly until: number } | undefined {
    const { journal } = this.options;
    if (!journal || this.options.dryRun) return undefined;
    const now = this.now();
    let creates = 0;
    let until = 0;
    for (const [, prior] of journal.priorStates()) {
      if (prior.done || prior.unsettledSince === undefined) continue;
      const settled = this.settledAt(prior.unsettledSince, now);
      if (settled <= now) continue;
      creates++;
      until = Math.max(until, settled);
    }
    return creates > 0 ? { creates, until } : undefined;
  }

  /** Says so at a run's start: otherwise those rows wait without a word (two minutes by default). */
  earlierCreatesNotice(): string | undefined {
    const waiting = this.earlierCreatesWaiting();
    if (!waiting) return undefined;
    const at = clockTime(waiting.until);
    return waiting.creates === 1
      ? `1 create of the earlier run got no clear answer: it is given until ${at} to finish on the platform before it is read back (--timeout and --settle), so its row waits until then.`
      : `${waiting.creates} creates of the earlier run got no clear answer: each is given until ${at} to finish on the platform before it is read back (--timeout and --settle), so those rows wait until then.`;
  }

  private settledAt(since: UnsettledSince, now: number): number {
    return settledAt(since, { settleMs: this.settleMs, responseTimeoutMs: this.responseTimeoutMs, startedAt: this.startedAt, now });
  }

  async execute(record: AssignmentRecord, key: string): Promise<RowOutcome> {
    const previous = this.lastTurn;
    let ended!: () => void;
    this.lastTurn = new Promise<void>((resolve) => (ended = resolve));
    try {
      return await this.executeInTurn(record, key, previous, ended);
    } finally {
      // A row that ended before claiming hands its turn on once every row before it has had theirs.
      void previous.then(ended);
    }
  }

  private async executeInTurn(record: AssignmentRecord, key: string, previous: Promise<void>, claimed: () => void): Promise<RowOutcome> {
    const { journal, packages, signal } = this.options;
    const prior = (journal ?? this.options.earlier)?.priorState(key);
    if (prior?.done) {
      const earlier = this.claimsByKey.get(key);
      if (earlier) earlier.row ??= record.sourceRow;
      const { price } = prior.done;
      if (prior.done.status === 'created' && record.price !== undefined && price !== undefined && Number(record.price) !== Number(price)) {
        // The sheet was edited since: what was made stands, and the person reconciling must see the gap.
        const message = `${prior.done.message} (the sheet now says ${record.price}, but the package was made at ${price} by an earlier run: change it on the platform if that is wrong)`;
        return { ...prior.done, message, sourceRow: record.sourceRow };
      }
      return { ...prior.done, sourceRow: record.sourceRow };
    }
    if (signal?.aborted) return pendingOutcome(record.sourceRow);

    const client = await this.resolveClientOf(record);
    if (!client.ok) return client.outcome;
    const pkgStep = resolvePackage(record, packages);
    if (!pkgStep.ok) return { ...pkgStep.outcome, resolvedClientId: client.value.id };
    const pkg = pkgStep.value;
    const ids = { resolvedClientId: client.value.id, resolvedPackageId: pkg.id };

    const identity = identityOf(client.value.id, pkg.id, record.validFrom);
    await previous;
    const owner = this.claimed.get(identity);
    if (owner !== undefined && owner.key !== key) {
      const message =
        owner.row !== undefined
          ? `same client, package and valid_from as row ${owner.row}`
          : `same client, package and valid_from as a row an earlier run of this sheet ${owner.earlier?.status ?? 'sent'}` +
            `${owner.earlier?.clientPackageId ? ` (${owner.earlier.clientPackageId})` : ''}`;
      return { sourceRow: record.sourceRow, status: 'duplicate', code: 'DUPLICATE', message, ...ids };
    }
    if (owner !== undefined) owner.row = record.sourceRow;
    else this.claimed.set(identity, { key, row: record.sourceRow });
    claimed();

    let existing = await this.existingMatches(record, client.value, pkg);
    if (!existing.ok) return { ...existing.outcome, ...ids };
    const price = { price: record.price ?? pkg.price, currency: pkg.currency };

    const isNew = (p: ClientPackage) => prior?.before !== undefined && !prior.before.includes(p.id);
    // An earlier run's create that may still be under way on the platform: given the rest of its time first.
    // A dry run waits for nothing: it says what the import will do first.
    if (prior?.unsettledSince !== undefined && !existing.value.some(isNew) && !this.options.dryRun) {
      const at = this.now();
      const left = Math.max(0, this.settledAt(prior.unsettledSince, at) - at);
      const unsettled = (why: string): RowOutcome => ({
        sourceRow: record.sourceRow,
        ...ids,
        status: 'failed',
        code: 'OUTCOME_UNKNOWN',
        message: `outcome unknown: an earlier run sent this create and got no clear answer; ${why}, so it was not sent again. ${RUN_AGAIN}`,
        attempts: prior.attempts,
      });
      if (left > 0) await this.options.sleep(left, signal);
      if (signal?.aborted) return unsettled('the run stopped before the platform had had its time to finish it');
      // Read now, not the run's first reading of the client (which may date from before it settled).
      const now = await this.readBack(client.value, pkg, record);
      if (!now.ok) return unsettled(`reading it back failed (${now.error})`);
      existing = now;
    }

    // A create of an earlier run that never reported back: if a package appeared since, it is ours.
    const landed = prior?.before && existing.value.find(isNew);
    if (landed) {
      const outcome: RowOutcome = {
        sourceRow: record.sourceRow,
        status: 'created',
        message: `${createdMessage(record, pkg, client.value.id, landed)} (confirmed by reading back)`,
        ...ids,
        clientPackageId: landed.id,
        attempts: prior.attempts,
        ...price,
      };
      await journal?.outcome(key, outcome);
      return outcome;
    }

    const already = existing.value[0];
    if (this.options.onExisting === 'skip' && already) {
      const outcome: RowOutcome = {
        sourceRow: record.sourceRow,
        status: 'skipped',
        message: skippedMessage(pkg, already),
        ...ids,
        clientPackageId: already.id,
        ...price,
      };
      await journal?.outcome(key, outcome);
      return outcome;
    }

    if (this.options.dryRun) {
      const sentBefore = prior?.before !== undefined ? ` (an earlier run sent it and got no clear answer: the import reads it back first, and sends it only if it is not there)` : '';
      const message = `${wouldCreateMessage(record, pkg, client.value.id)}${sentBefore}`;
      return { sourceRow: record.sourceRow, status: 'would_create', message, ...ids, ...price };
    }
    const before = prior?.before ?? existing.value.map((p) => p.id);
    return this.createOnce(record, key, pkg, client.value, before, prior?.attempts ?? 0);
  }

  private async createOnce(
    record: AssignmentRecord,
    key: string,
    pkg: Package,
    client: Client,
    before: readonly string[],
    earlierAttempts: number,
  ): Promise<RowOutcome> {
    const { api, journal, signal } = this.options;
    const base = {
      sourceRow: record.sourceRow,
      resolvedClientId: client.id,
      resolvedPackageId: pkg.id,
      price: record.price ?? pkg.price,
      currency: pkg.currency,
    };
    const body = createBody(record, client.id, pkg.id);
    let attempts = earlierAttempts;
    // Once the run stops (Ctrl-C, or a fatal error on another row), a create not yet sent stays unsent.
    const unsent = (): RowOutcome => ({ ...pendingOutcome(record.sourceRow), ...base, ...(attempts > 0 && { attempts }) });
    for (let attemptThisRun = 1; ; attemptThisRun++) {
      if (signal?.aborted) return unsent();
      attempts++;
      await journal?.intent(key, before, attempts, this.now(), identityOf(client.id, pkg.id, record.validFrom));
      // The stop may have come while the intent was written: the intent only makes a rerun read back
      // first, and the rerun need not wait for a create that never left.
      if (signal?.aborted) {
        await journal?.unsent(key).catch(() => undefined);
        return unsent();
      }
      let result: CreateResult;
      try {
        result = await api.createClientPackage(body);
      } catch (error) {
        if (!(error instanceof StoppedBeforeSending)) throw error;
        await journal?.unsent(key).catch(() => undefined);
        return unsent();
      }

      if (result.kind === 'created') {
        const made = result.clientPackage;
        const outcome: RowOutcome = {
          ...base,
          status: 'created',
          message: createdMessage(record, pkg, client.id, made),
          clientPackageId: made.id,
          httpStatus: result.httpStatus,
          attempts,
          price: made.amount ?? base.price,
          currency: made.currency ?? base.currency,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }

      if (result.kind === 'rejected') {
        stopOnTokenProblem(result.httpStatus, result.message);
        const outcome: RowOutcome = {
          ...base,
          status: 'failed',
          code: 'API_REJECTED',
          message: `rejected by the platform (${result.httpStatus}): ${result.message}`,
          httpStatus: result.httpStatus,
          attempts,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }

      // Unknown outcome: read back before anything else is sent. One the platform may still be working
      // on is read back again once it has had settleMs to finish; only then is it counted as not made.
      const answeredAt = this.now();
      await journal?.unclear(key, answeredAt, result.finished);
      await this.options.sleep(this.options.readBackDelayMs ?? 1000);
      const unknown = (why: string): RowOutcome => ({
        ...base,
        status: 'failed',
        code: 'OUTCOME_UNKNOWN',
        message: `outcome unknown: the create got no clear answer (${result.message}); ${why}, so it was not sent again. ${RUN_AGAIN}`,
        ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
        attempts,
      });
      let now = await this.readBack(client, pkg, record);
      let landed = now.ok ? now.value.find((p) => !before.includes(p.id)) : undefined;
      const left = Math.min(answeredAt + this.settleMs - this.now(), this.settleMs);
      if (now.ok && !landed && !result.finished && left > 0) {
        await this.options.sleep(left, signal);
        if (signal?.aborted) return unknown('it was not there when read back, and the run stopped before the platform had had its time to finish it');
        now = await this.readBack(client, pkg, record);
        landed = now.ok ? now.value.find((p) => !before.includes(p.id)) : undefined;
      }
      if (!now.ok) return unknown(`reading it back failed (${now.error})`);
      if (!landed && result.httpStatus !== undefined && result.httpStatus >= 200 && result.httpStatus < 300) {
        return unknown('the platform answered that it was made, yet it was not there when read back');
      }
      if (landed) {
        const outcome: RowOutcome = {
          ...base,
          status: 'created',
          message: `${createdMessage(record, pkg, client.id, landed)} (confirmed by reading back after: ${result.message})`,
          clientPackageId: landed.id,
          httpStatus: result.httpStatus,
          attempts,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }

      const decision = decideRetry({
        attempt: attemptThisRun,
        maxRetries: this.options.retries,
        httpStatus: result.httpStatus,
        networkError: result.httpStatus === undefined,
        // What it asked for counts from its answer: the read back and the settle took part of it already.
        ...(result.retryAfterMs !== undefined && { retryAfterMs: Math.max(0, answeredAt + result.retryAfterMs - this.now()) }),
        random: this.options.random,
      });
      if (!decision.retry) {
        // Settled: read back, not there. A rerun still reads back before sending it again.
        const outcome: RowOutcome = {
          ...base,
          status: 'failed',
          code: 'API_UNAVAILABLE',
          message:
            `not created after ${attemptThisRun} attempt${attemptThisRun === 1 ? '' : 's'}: ${result.message} ` +
            '(read back: the package is not there, so running again is safe)',
          httpStatus: result.httpStatus,
          attempts,
        };
        await journal?.outcome(key, outcome);
        return outcome;
      }
      await this.options.sleep(decision.delayMs, signal);
    }
  }

  /** The client's packages matching the row, read now (not the run's first reading). */
  private async readBack(client: Client, pkg: Package, record: AssignmentRecord): Promise<{ ok: true; value: ClientPackage[] } | { ok: false; error: string }> {
    try {
      const all = await this.options.api.listClientPackages(client.id, { readBack: true });
      return { ok: true, value: all.filter((p) => matches(p, pkg, record)) };
    } catch (error) {
      stopOnApiTokenError(error);
      return { ok: false, error: error instanceof StoppedBeforeSending ? 'the run stopped first' : errorText(error) };
    }
  }

  private async resolveClientOf(record: AssignmentRecord): Promise<Step<Client>> {
    const { clientId, clientEmail } = record;
    if (clientId !== undefined && clientEmail === undefined) return { ok: true, value: { id: clientId, email: '' } };
    try {
      // An email beside a client_id is looked up too: the row goes on only if the two name one client.
      const found = await this.options.lookups.clientsByEmail(clientEmail ?? '');
      return clientId !== undefined ? resolveClientWithId(record, found) : resolveClient(record, found);
    } catch (error) {
      if (error instanceof StoppedBeforeSending) return { ok: false, outcome: pendingOutcome(record.sourceRow) };
      stopOnApiTokenError(error);
      return lookupFailed(record, `looking up the client ${record.clientEmail} failed: ${errorText(error)}`);
    }
  }

  private async existingMatches(record: AssignmentRecord, client: Client, pkg: Package): Promise<Step<ClientPackage[]>> {
    try {
      const all = await this.options.lookups.packagesOf(client.id);
      return { ok: true, value: all.filter((p) => matches(p, pkg, record)) };
    } catch (error) {
      if (error instanceof StoppedBeforeSending) return { ok: false, outcome: pendingOutcome(record.sourceRow) };
      stopOnApiTokenError(error);
      const what = error instanceof ApiError && error.httpStatus === 404 ? 'client not found' : errorText(error);
      return lookupFailed(record, `reading the client's existing packages failed: ${what}`);
    }
  }
}

interface Claim {
  /** The journal key of the row that has it. */
  readonly key: string;
  /** Its row in this run, once come to. */
  row?: number;
  /** Set when an earlier run finished it. */
  readonly earlier?: Omit<RowOutcome, 'sourceRow'>;
}

type UnsettledSince = NonNullable<PriorState['unsettledSince']>;

/**
 * When an earlier run's create that may still be under way on the platform has had its time to
 * finish (wall-clock milliseconds): settleMs after its unclear answer, or after the latest its answer
 * was due (responseTimeoutMs after its intent; from this run's start in journals that kept no time).
 */
export function settledAt(
  since: UnsettledSince,
  times: { readonly settleMs: number; readonly responseTimeoutMs: number; readonly startedAt: number; readonly now: number },
): number {
  const { settleMs, responseTimeoutMs, startedAt, now } = times;
  const until =
    'answeredAt' in since
      ? since.answeredAt + settleMs
      : since.sentAfter !== undefined
        ? since.sentAfter + responseTimeoutMs + settleMs
        : startedAt + settleMs;
  // The journal's times are another moment's wall clock, which may differ or jump: never more than the whole wait.
  return Math.min(until, now + responseTimeoutMs + settleMs);
}

/** HH:MM:SS on this machine's clock, the seconds rounded up (the wait is not over before). */
function clockTime(ms: number): string {
  const d = new Date(Math.ceil(ms / 1000) * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** What two rows must never both create: the resolved client, package and valid_from. */
function identityOf(clientId: string, packageId: string, validFrom: string): string {
  return `${clientId}|${packageId}|${validFrom}`;
}

/** A row's journal key (validate's identityKey) ends with its valid_from, after the last bar. */
function validFromOfKey(key: string): string {
  return key.slice(key.lastIndexOf('|') + 1);
}

function matches(p: ClientPackage, pkg: Package, record: AssignmentRecord): boolean {
  return p.packageId === pkg.id && p.validFrom === record.validFrom;
}

function createBody(record: AssignmentRecord, clientId: string, packageId: string): CreateBody {
  return {
    client_id: clientId,
    package_id: packageId,
    valid_from: record.validFrom,
    ...(record.validUntil !== undefined && { valid_until: record.validUntil }),
    ...(record.price !== undefined && { price: Number(record.price) }),
    ...(record.conversationId !== undefined && { conversation_id: record.conversationId }),
  };
}

/** The outcome of a row the run stopped before sending. */
export function pendingOutcome(sourceRow: number): RowOutcome {
  return { sourceRow, status: 'pending', code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE };
}

function lookupFailed(record: AssignmentRecord, message: string): Step<never> {
  const safe = `${message} (nothing was sent for this row: importing it again is safe)`;
  return { ok: false, outcome: { sourceRow: record.sourceRow, status: 'failed', code: 'LOOKUP_FAILED', message: safe } };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A rejected token stops the whole run: every further row would fail the same way. */
function stopOnTokenProblem(httpStatus: number | undefined, message: string): void {
  if (httpStatus === 401) throw new RunError('TOKEN_REJECTED', 'The platform rejected the token (401 Unauthorized).');
  if (httpStatus === 422 && /^unauthori[sz]ed$/i.test(message.trim())) {
    throw new RunError('TOKEN_NOT_STAFF', 'The platform refused to create with this token (422 Unauthorized).');
  }
}

function stopOnApiTokenError(error: unknown): void {
  if (error instanceof ApiError) stopOnTokenProblem(error.httpStatus, error.message);
  else if (!(error instanceof Error)) throw error;
}
