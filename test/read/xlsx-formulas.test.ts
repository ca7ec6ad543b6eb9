// Formula cells that no program calculated (openpyxl, exceljs and scripts write the formula and no
// value), and cells whose shared text the workbook does not have: what the row says, and what the
// results and retry sheets show in their place.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { validateFile } from '../../src/pipeline/validate-file.js';
import { expectOutcome } from '../helpers/expect-outcome.js';
import { recordItems } from '../helpers/records.js';
import { readCsvObjects } from '../helpers/sheets.js';
import { writeXlsx } from './helpers/xlsx-package.js';

const dir = mkdtempSync(join(tmpdir(), 'cp-xlsx-formulas-'));
let n = 0;

const NEVER_CALCULATED = 'the cell holds a formula that was never calculated, so it has no value: open the file in Excel or LibreOffice and save it';

/** A text cell written inline, as openpyxl and exceljs's streaming writer do. */
function text(ref: string, value: string): string {
  return `<c r="${ref}" t="inlineStr"><is><t>${value}</t></is></c>`;
}

/** A workbook of the header and data rows given as the XML of each row's cells after the header. */
function workbook(headers: string[], rows: string[], parts: { sharedStrings?: string[] } = {}): string {
  const path = join(dir, `w${n++}.xlsx`);
  const header = headers.map((h, i) => text(`${String.fromCharCode(65 + i)}1`, h)).join('');
  const body = rows.map((cells, i) => `<row r="${i + 2}">${cells}</row>`).join('');
  writeXlsx(path, { sheet: `<row r="1">${header}</row>${body}`, ...parts });
  return path;
}

const start = (row: number) => text(`C${row}`, '2025-01-01');

describe('a formula never calculated', () => {
  test('in the price column the row is invalid, naming the column, instead of billing the full price', async () => {
    const path = workbook(
      ['Email', 'Plan', 'Start', 'Price', 'Discount'],
      [
        `${text('A2', 'a@b.co')}${text('B2', 'Gold')}${start(2)}<c r="D2"><f>100-E2</f></c><c r="E2"><v>20</v></c>`,
        `${text('A3', 'b@b.co')}${text('B3', 'Gold')}${start(3)}<c r="D3"><f>100-E3</f><v>80</v></c><c r="E3"><v>20</v></c>`,
      ],
    );
    const items = await recordItems(path);
    expectOutcome(items[0]?.outcome, { status: 'invalid', sourceRow: 2, messageIncludes: `Price: ${NEVER_CALCULATED}` });
    expect(items[1]?.record?.price).toBe('80');
  });

  test('in a date column it is no "empty" start date, and a shared formula without a value is one too', async () => {
    const path = workbook(
      ['Email', 'Plan', 'Start', 'End'],
      [
        `${text('A2', 'a@b.co')}${text('B2', 'Gold')}<c r="C2"><f>TODAY()</f></c><c r="D2" t="str"><f t="shared" ref="D2:D3" si="0">C2+30</f></c>`,
        `${text('A3', 'b@b.co')}${text('B3', 'Gold')}${start(3)}<c r="D3"><f t="shared" si="0"/></c>`,
      ],
    );
    const items = await recordItems(path);
    expectOutcome(items[0]?.outcome, { status: 'invalid', messageIncludes: `Start: ${NEVER_CALCULATED}` });
    expect(items[0]?.outcome?.message).toContain(`End: ${NEVER_CALCULATED}`);
    expect(items[0]?.outcome?.message).not.toContain('empty');
    expectOutcome(items[1]?.outcome, { status: 'invalid', messageIncludes: `End: ${NEVER_CALCULATED}` });
  });

  test('in every other column the import reads, and beside an id that would win', async () => {
    const uncalculated = (ref: string) => `<c r="${ref}"><f>A1</f></c>`;
    const path = workbook(
      ['Client ID', 'Email', 'Package ID', 'Plan', 'Start', 'Conversation'],
      [
        `${text('A2', 'c1')}${uncalculated('B2')}${text('C2', 'p1')}${text('E2', '2025-01-01')}`,
        `${uncalculated('A3')}${text('C3', 'p1')}${text('E3', '2025-01-01')}`,
        `${text('A4', 'c1')}${text('C4', 'p1')}${uncalculated('D4')}${text('E4', '2025-01-01')}`,
        `${text('A5', 'c1')}${uncalculated('C5')}${text('E5', '2025-01-01')}`,
        `${text('A6', 'c1')}${text('C6', 'p1')}${text('E6', '2025-01-01')}${uncalculated('F6')}`,
      ],
    );
    const items = await recordItems(path);
    expect(items.map((item) => item.outcome?.message.split(':')[0])).toEqual(['Email', 'Client ID', 'Plan', 'Package ID', 'Conversation']);
    for (const item of items) expectOutcome(item.outcome, { status: 'invalid', messageIncludes: NEVER_CALCULATED });
  });

  test('in a column the import does not read, the row is valid', async () => {
    const path = workbook(['Email', 'Plan', 'Start', 'Note'], [`${text('A2', 'a@b.co')}${text('B2', 'Gold')}${start(2)}<c r="D2"><f>A2&amp;"!"</f></c>`]);
    const [item] = await recordItems(path);
    expect(item?.record).toMatchObject({ clientEmail: 'a@b.co', packageName: 'Gold', validFrom: '2025-01-01' });
  });

  test('the results and retry sheets say so in the cell, and the retry sheet imported as it is stays refused', async () => {
    const path = workbook(['Email', 'Plan', 'Start', 'Price'], [`${text('A2', 'a@b.co')}${text('B2', 'Gold')}${start(2)}<c r="D2"><f>100-E2</f></c>`]);
    const { files } = await validateFile({ file: path, out: join(dir, `results${n++}.csv`) });
    const [result] = await readCsvObjects(files.results);
    expect(result).toMatchObject({ Price: '(formula never calculated)', status: 'invalid', message: `Price: ${NEVER_CALCULATED} (that calculates it), then run again` });
    const [retried] = await recordItems(files.retry!);
    expectOutcome(retried?.outcome, { status: 'invalid', messageIncludes: 'Price: "(formula never calculated)" is not a price' });
  });
});

describe('a shared text the workbook does not have', () => {
  test('is a problem of the row naming the cell, not an empty package', async () => {
    const path = workbook(
      ['Email', 'Plan', 'Start'],
      [`${text('A2', 'a@b.co')}<c r="B2" t="s"><v>99</v></c>${start(2)}`, `${text('A3', 'b@b.co')}<c r="B3" t="s"><v>1</v></c>${start(3)}`],
      { sharedStrings: ['Silver', 'Gold'] },
    );
    const items = await recordItems(path);
    expectOutcome(items[0]?.outcome, { status: 'invalid', sourceRow: 2 });
    expect(items[0]?.outcome?.message).toMatch(
      /^cell B2: its text should be entry 99 of the workbook's shared text, which has 2 entries, so its value is lost: the file is damaged; open it in Excel or LibreOffice/,
    );
    expect(items[1]?.record?.packageName).toBe('Gold');
  });
});
