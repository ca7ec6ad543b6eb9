// What validate and import share: counting the sheet for progress, and the Summary of a run.
import { openSheet } from '../read/index.js';
import type { ReadOptions } from './options.js';
import type { Tally } from './tally.js';
import type { RunSummary } from './types.js';

/** Data rows in the sheet (within --limit), read in a second pass so the first can start at once. */
export async function countRows(options: ReadOptions): Promise<number> {
  const sheet = await openSheet(options.file, options);
  let n = 0;
  try {
    for await (const _ of sheet.rows) {
      if (options.limit !== undefined && n >= options.limit) break;
      n++;
    }
  } finally {
    await sheet.close();
  }
  return n;
}

export interface SummaryInput {
  readonly command: RunSummary['command'];
  readonly tally: Tally;
  readonly startedAt: Date;
  readonly inputFile: string;
  readonly sheet?: string;
  readonly apiUrl?: string;
  readonly fallbackUrl?: string;
  readonly options: Record<string, string>;
  readonly interrupted: boolean;
}

export function summarize(input: SummaryInput): RunSummary {
  const finishedAt = new Date();
  return {
    command: input.command,
    counts: { ...input.tally.counts },
    rows: input.tally.rows,
    createdTotal: input.tally.createdTotal,
    sheetTotal: input.tally.sheetTotal,
    startedAt: input.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - input.startedAt.getTime(),
    inputFile: input.inputFile,
    ...(input.sheet !== undefined && { sheet: input.sheet }),
    ...(input.apiUrl !== undefined && { apiUrl: input.apiUrl }),
    ...(input.fallbackUrl !== undefined && { fallbackUrl: input.fallbackUrl }),
    options: input.options,
    interrupted: input.interrupted,
  };
}
