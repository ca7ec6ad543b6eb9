// The delimiter of CSV results and retry files: the input's own, and cells quoted so that a spreadsheet
// splitting on any of `,`, `;` or tab sees each cell whole.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../src/pipeline/validate-file.js';
import type { CellValue } from '../../src/pipeline/types.js';
import { openResultsWriter, resultsTarget } from '../../src/write/index.js';
import { header, outcome, readCsv, readCsvText, row, scratchFolder, summary } from './helpers.js';

type Delimiter = ',' | ';' | '\t';

/** A line split as a spreadsheet splits it on `delimiter`: quoted stretches kept whole, quotes dropped. */
function cellsSeenWith(line: string, delimiter: Delimiter): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (c === delimiter && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell);
  return cells;
}

const RISKY: CellValue[] = ['x;=1+2', 'a,=1+2', 'b\t=1+2', '12,50', 'c;d,e\tf'];

async function writeResults(inputName: string, delimiter: Delimiter | undefined, cells: CellValue[], out?: string) {
  const folder = await scratchFolder();
  const input = join(folder, inputName);
  const target = resultsTarget(input, out === undefined ? undefined : join(folder, out));
  const writer = await openResultsWriter({ target, inputPath: input, header: header('Email', 'Note'), delimiter });
  for (const [index, cell] of cells.entries()) {
    await writer.write(row(index + 2, `c${index + 2}@x.test`, cell), outcome(index + 2, 'failed', { message: `row ${index + 2}` }));
  }
  return writer.finish(summary());
}

describe('CSV results in the input’s delimiter', () => {
  it('a semicolon input gets semicolon results and retry files', async () => {
    const written = await writeResults('members.csv', ';', ['plain']);
    expect((await readCsvText(written.results)).split('\r\n').slice(0, 2)).toEqual([
      '\ufeffEmail;Note;status;message;resolved_client_id;resolved_package_id;client_package_id;http_status;attempts;source_row',
      'c2@x.test;plain;failed;row 2;;;;;;2',
    ]);
    expect(await readCsvText(written.retry!)).toBe('\ufeffEmail;Note;message\r\nc2@x.test;plain;row 2\r\n');
  });

  it('a tab input written to a .txt keeps tabs; a .tsv is tab whatever the input; no delimiter known is a comma', async () => {
    const txt = await writeResults('members.txt', '\t', ['plain']);
    expect((await readCsvText(txt.retry!)).split('\r\n')[1]).toBe('c2@x.test\tplain\trow 2');
    const tsv = await writeResults('members.csv', ';', ['plain'], 'out.tsv');
    expect((await readCsvText(tsv.retry!)).split('\r\n')[1]).toBe('c2@x.test\tplain\trow 2');
    const xlsxInput = await writeResults('members.xlsx', undefined, ['plain'], 'out.csv');
    expect((await readCsvText(xlsxInput.retry!)).split('\r\n')[1]).toBe('c2@x.test,plain,row 2');
  });

  it.each([',', ';', '\t'] as const)('with %j, a cell holding any delimiter is quoted, and read with any delimiter it stays one cell that runs nothing', async (delimiter) => {
    const written = await writeResults(delimiter === '\t' ? 'members.tsv' : 'members.csv', delimiter, RISKY);
    for (const path of [written.results, written.retry!]) {
      expect((await readCsv(path, delimiter)).slice(1).map((cells) => cells[1])).toEqual(RISKY);
      const lines = (await readCsvText(path)).replace(/^\ufeff/, '').split('\r\n').slice(1, -1);
      for (const seenWith of [',', ';', '\t'] as const) {
        const seen = lines.map((line) => cellsSeenWith(line, seenWith));
        for (const cells of seen) {
          for (const cell of cells) expect(cell, `${JSON.stringify(cell)} read with ${JSON.stringify(seenWith)}`).not.toMatch(/^[=+\-@\t\r]/);
        }
        if (seenWith === delimiter) expect(seen.map((cells) => cells[1])).toEqual(RISKY);
      }
    }
  });

  it('the formula guard still holds for each cell, in every delimiter', async () => {
    for (const delimiter of [',', ';', '\t'] as const) {
      const written = await writeResults('members.csv', delimiter, ['=1+2', '@SUM(1)', '-2+3;x']);
      expect((await readCsv(written.retry!, delimiter)).slice(1).map((cells) => cells[1])).toEqual(["'=1+2", "'@SUM(1)", "'-2+3;x"]);
    }
  });
});

describe('validate on a semicolon CSV', () => {
  it('writes its results and retry file with semicolons, the original cells intact', async () => {
    const folder = await scratchFolder();
    const input = join(folder, 'members.csv');
    await writeFile(
      input,
      [
        'Email;Package;Start;Price;Note',
        'ann@example.com;Gold;2025-01-15;12,50;"x;=1+2"',
        'bob@example.com;Gold;2025-02-30;;"keep, this"',
        'cy@example.com;Gold;2025-01-15;;x;=1+2',
        '',
      ].join('\r\n'),
    );
    const { files } = await validateFile({ file: input });
    const resultsText = await readCsvText(files.results);
    expect(resultsText.split('\r\n')[0]).toBe(
      '\ufeffEmail;Package;Start;Price;Note;status;message;resolved_client_id;resolved_package_id;client_package_id;http_status;attempts;source_row',
    );
    expect(resultsText.split('\r\n')[1]).toMatch(/^ann@example\.com;Gold;2025-01-15;"12,50";"x;=1\+2";valid;/);
    const results = await readCsv(files.results, ';');
    expect(results.map((cells) => cells.slice(0, 6))).toEqual([
      ['Email', 'Package', 'Start', 'Price', 'Note', 'status'],
      ['ann@example.com', 'Gold', '2025-01-15', '12,50', 'x;=1+2', 'valid'],
      ['bob@example.com', 'Gold', '2025-02-30', '', 'keep, this', 'invalid'],
      ['cy@example.com', 'Gold', '2025-01-15', '', 'x', 'invalid'],
    ]);
    expect(results[3]?.[13]).toBe("'=1+2");
    const retry = (await readCsvText(files.retry!)).split('\r\n');
    expect(retry[0]).toBe('\ufeffEmail;Package;Start;Price;Note;message');
    expect(retry[1]).toBe('bob@example.com;Gold;2025-02-30;;"keep, this";"Start: ""2025-02-30"" is not a real date"');
    expect(retry[2]).toMatch(/^cy@example\.com;Gold;2025-01-15;;x;"row has 6 cells but the header has 5: is there an unquoted semicolon, e\.g\. in a price\?";'=1\+2$/);
  });
});
