// Which row has which (client, package, valid_from): two rows never create the same package. What an
// earlier run of the sheet made, or sent and never heard back about, stays its row's.
import type { RowOutcome } from '../pipeline/types.js';
import type { PriorStates } from './journal.js';

export interface Claim {
  /** The journal key of the row that has it. */
  readonly key: string;
  /** Its row in this run, once come to. */
  row?: number;
  /** Set when an earlier run finished it. */
  readonly earlier?: Omit<RowOutcome, 'sourceRow'>;
}

/** What two rows must never both create: the resolved client, package and valid_from. */
export function identityOf(clientId: string, packageId: string, validFrom: string): string {
  return `${clientId}|${packageId}|${validFrom}`;
}

/** A row's journal key (validate's identityKey) ends with its valid_from, after the last bar. */
function validFromOfKey(key: string): string {
  return key.slice(key.lastIndexOf('|') + 1);
}

/** The claims an earlier run left, each with the identity it claims. */
export function* claimsOfEarlierRun(earlier: PriorStates | undefined): Generator<[identity: string, claim: Claim]> {
  for (const [key, prior] of earlier?.priorStates() ?? []) {
    const { done } = prior;
    const identity =
      done?.resolvedClientId !== undefined && done.resolvedPackageId !== undefined
        ? identityOf(done.resolvedClientId, done.resolvedPackageId, validFromOfKey(key))
        : prior.unsettledSince !== undefined
          ? prior.claim
          : undefined;
    if (identity === undefined) continue;
    yield [identity, { key, ...(done && { earlier: done }) }];
  }
}

/** The message on a row whose identity another row (of this run or an earlier one) has. */
export function duplicateMessage(owner: Claim): string {
  return owner.row !== undefined
    ? `same client, package and valid_from as row ${owner.row}`
    : `same client, package and valid_from as a row an earlier run of this sheet ${owner.earlier?.status ?? 'sent'}` +
        `${owner.earlier?.clientPackageId ? ` (${owner.earlier.clientPackageId})` : ''}`;
}
