// One row from record to outcome: resolve, check what exists, create exactly once.
// Exactly once rests on three rules: an intent is durable before every create is sent; a create whose
// answer was lost is read back before anything is sent again (in this run or a resumed one); and one
// the platform may still be working on is first given time to finish.
import type { AssignmentRecord, RowOutcome } from '../pipeline/types.js';
import type { Lookups } from '../resolve/lookups.js';
import { resolvePackage, type PackageIndex } from '../resolve/resolve.js';
import type { Client, ClientPackage, CreateBody, CreateResult, Package } from './api-types.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS } from './api-client.js';
import { claimsOfEarlierRun, duplicateMessage, identityOf, type Claim } from './claims.js';
import { createOnce, RUN_AGAIN } from './create-once.js';
import type { Journal, PriorStates } from './journal.js';
import { createdMessage, skippedMessage, wouldCreateMessage } from './messages.js';
import { existingMatches, pendingOutcome, readBack, resolveClientOf, type Step } from './row-reads.js';
import { earlierCreatesMessage, settledAt, type UnsettledSince } from './settle.js';

// Defined beside the code that uses them, still importable from here as before.
export { INTERRUPTED_MESSAGE, pendingOutcome } from './row-reads.js';
export { settledAt } from './settle.js';

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
    for (const [identity, claim] of claimsOfEarlierRun(options.journal ?? options.earlier)) {
      this.claimed.set(identity, claim);
      this.claimsByKey.set(claim.key, claim);
    }
  }

  /** A row the run stopped before: as an earlier run finished it, if one did, else `pending`. Sends nothing. */
  stoppedBefore(record: AssignmentRecord, key: string): RowOutcome {
    const done = (this.options.journal ?? this.options.earlier)?.priorState(key)?.done;
    return done ? doneBefore(done, record) : pendingOutcome(record.sourceRow);
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
    return earlierCreatesMessage(waiting);
  }

  /**
   * The packages matching the row, read once an earlier run's create that got no clear answer has had
   * its time to finish; or the row's outcome when the run stopped first or the read failed.
   */
  private async afterEarlierCreate(
    since: UnsettledSince,
    attempts: number,
    record: AssignmentRecord,
    client: Client,
    pkg: Package,
  ): Promise<Step<ClientPackage[]>> {
    const { signal } = this.options;
    const unsettled = (why: string): Step<ClientPackage[]> => ({
      ok: false,
      outcome: {
        sourceRow: record.sourceRow,
        status: 'failed',
        code: 'OUTCOME_UNKNOWN',
        message: `outcome unknown: an earlier run sent this create and got no clear answer; ${why}, so it was not sent again. ${RUN_AGAIN}`,
        attempts,
      },
    });
    const at = this.now();
    const left = Math.max(0, this.settledAt(since, at) - at);
    if (left > 0) await this.options.sleep(left, signal);
    if (signal?.aborted) return unsettled('the run stopped before the platform had had its time to finish it');
    // Read now, not the run's first reading of the client (which may date from before it settled).
    const now = await readBack(this.options.api, client, pkg, record);
    return now.ok ? now : unsettled(`reading it back failed (${now.error})`);
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
      return doneBefore(prior.done, record);
    }
    if (signal?.aborted) return pendingOutcome(record.sourceRow);

    const client = await resolveClientOf(this.options.lookups, record);
    if (!client.ok) return client.outcome;
    const pkgStep = resolvePackage(record, packages);
    if (!pkgStep.ok) return { ...pkgStep.outcome, resolvedClientId: client.value.id };
    const pkg = pkgStep.value;
    const ids = { resolvedClientId: client.value.id, resolvedPackageId: pkg.id };

    const identity = identityOf(client.value.id, pkg.id, record.validFrom);
    await previous;
    const owner = this.claimed.get(identity);
    if (owner !== undefined && owner.key !== key) {
      return { sourceRow: record.sourceRow, status: 'duplicate', code: 'DUPLICATE', message: duplicateMessage(owner), ...ids };
    }
    if (owner !== undefined) owner.row = record.sourceRow;
    else this.claimed.set(identity, { key, row: record.sourceRow });
    claimed();

    let existing = await existingMatches(this.options.lookups, record, client.value, pkg);
    if (!existing.ok) return { ...existing.outcome, ...ids };
    const price = { price: record.price ?? pkg.price, currency: pkg.currency };

    const isNew = (p: ClientPackage) => prior?.before !== undefined && !prior.before.includes(p.id);
    // An earlier run's create that may still be under way on the platform: given the rest of its time first.
    // A dry run waits for nothing: it says what the import will do first.
    if (prior?.unsettledSince !== undefined && !existing.value.some(isNew) && !this.options.dryRun) {
      const settled = await this.afterEarlierCreate(prior.unsettledSince, prior.attempts, record, client.value, pkg);
      if (!settled.ok) return { ...settled.outcome, ...ids };
      existing = settled;
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
    const context = { options: this.options, now: this.now, settleMs: this.settleMs };
    return createOnce(context, record, key, pkg, client.value, before, prior?.attempts ?? 0);
  }
}

/** A row an earlier run finished, as it finished it: a price since edited in the sheet is pointed out, not acted on. */
function doneBefore(done: Omit<RowOutcome, 'sourceRow'>, record: AssignmentRecord): RowOutcome {
  const { price } = done;
  if (done.status === 'created' && record.price !== undefined && price !== undefined && Number(record.price) !== Number(price)) {
    // The sheet was edited since: what was made stands, and the person reconciling must see the gap.
    const message = `${done.message} (the sheet now says ${record.price}, but the package was made at ${price} by an earlier run: change it on the platform if that is wrong)`;
    return { ...done, message, sourceRow: record.sourceRow };
  }
  return { ...done, sourceRow: record.sourceRow };
}
