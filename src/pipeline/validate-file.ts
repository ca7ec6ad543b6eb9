// Offline validation: read every row, write the results sheet with `valid`, `invalid` or `duplicate`.
import { readRecords } from '../validate/index.js';
import { openResultsWriter, resultsTarget } from '../write/index.js';
import { summarize } from './common.js';
import { checkReadOptions, describeOptions, type RunHooks, type RunResult, type ValidateOptions } from './options.js';
import { Tally } from './tally.js';
import type { AssignmentRecord, RowOutcome } from './types.js';
import { formatMoney } from '../validate/money.js';

const PROGRESS_EVERY = 1000;

export async function validateFile(options: ValidateOptions, hooks: RunHooks = {}): Promise<RunResult> {
  checkReadOptions(options);
  const target = resultsTarget(options.file, options.out);
  const startedAt = new Date();
  const stream = await readRecords(options.file, options);
  try {
    const writer = await openResultsWriter({ target, inputPath: options.file, header: stream.header, sheetName: stream.sheetName, delimiter: stream.delimiter, forRetry: stream.datesAsRead });
    const tally = new Tally();
    const report = (phase: 'running' | 'writing') =>
      hooks.progress?.({ phase, done: tally.rows, counts: tally.counts, requests: 0, rateLimited: 0 });
    try {
      for await (const batch of stream.batches) {
        for (const item of batch) {
          const record = item.record;
          const outcome: RowOutcome = item.outcome ?? {
            sourceRow: item.row.sourceRow,
            status: 'valid',
            message: validMessage(item.record),
          };
          tally.add(outcome, record && { price: record.price, currency: record.priceCurrency ?? '' });
          const wait = writer.add(item.row, outcome);
          if (wait) await wait;
          if (tally.rows % PROGRESS_EVERY === 0) report('running');
        }
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    report('writing');
    const summary = summarize({
      command: 'validate',
      tally,
      startedAt,
      inputFile: options.file,
      sheet: stream.sheetName,
      options: describeOptions(options),
      interrupted: false,
    });
    return { summary, files: await writer.finish(summary) };
  } finally {
    await stream.close();
  }
}

/** What the row would send, with the dates and price as read, so a person can check the reading. */
function validMessage(record: AssignmentRecord): string {
  const what = record.packageName !== undefined ? `"${record.packageName}"` : `package ${record.packageId}`;
  const who = record.clientId !== undefined ? `client ${record.clientId}` : record.clientEmail;
  const until = record.validUntil !== undefined ? ` to ${record.validUntil}` : '';
  const price = record.price !== undefined ? `, ${formatMoney(record.price, record.priceCurrency)}` : ", the package's price";
  return `reads as ${what} for ${who}, ${record.validFrom}${until}${price}`;
}
