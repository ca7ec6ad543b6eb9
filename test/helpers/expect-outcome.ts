import { expect } from 'vitest';
import type { RowOutcome, Status } from '../../src/pipeline/types.js';

/** One way to assert an outcome, so failures read the same everywhere. */
export function expectOutcome(
  outcome: RowOutcome | undefined,
  expected: { status: Status; sourceRow?: number; messageIncludes?: string },
): void {
  expect(outcome, 'an outcome').toBeDefined();
  const shown = `row ${outcome!.sourceRow}: ${outcome!.status} "${outcome!.message}"`;
  expect(outcome!.status, shown).toBe(expected.status);
  if (expected.sourceRow !== undefined) expect(outcome!.sourceRow, shown).toBe(expected.sourceRow);
  if (expected.messageIncludes !== undefined) expect(outcome!.message, shown).toContain(expected.messageIncludes);
}
