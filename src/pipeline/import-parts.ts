// What an import needs once its preflight has gone out: the reader, the writer, the executor and the
// bookkeeping. run-import.ts loads these then, so that their loading overlaps the preflight's round
// trip instead of coming before it; everything the preflight itself needs is imported as usual.
export { pendingOutcome, RowExecutor } from '../execute/executor.js';
export { Lookups } from '../resolve/lookups.js';
export { indexPackages } from '../resolve/resolve.js';
export { identityKey, readRecords } from '../validate/index.js';
export { openResultsWriter } from '../write/index.js';
export { countRows, summarize } from './common.js';
export { OrderedQueue } from './ordered.js';
export { sheetPriceOf, Tally } from './tally.js';
