// Run by xlsx-timezones.test.ts in a child process with TZ set before Node starts; skipped otherwise.
import { expect, test } from 'vitest';
import { readRawRows } from '../../src/read/index.js';

const file = process.env['CP_TZ_CHILD_FILE'];

test.skipIf(!file)(`dates read the same in TZ=${process.env['TZ'] ?? ''}`, async () => {
  const cells = [];
  for await (const row of readRawRows(file ?? '')) cells.push(...row.cells);
  console.log(`CP_TZ_RESULT ${JSON.stringify({ tz: process.env['TZ'], offset: new Date(2025, 0, 1).getTimezoneOffset(), cells })}`);
  expect(cells.length).toBeGreaterThan(0);
});
