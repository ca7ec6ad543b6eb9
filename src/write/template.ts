// `client-packages template`: an input sheet to fill in, with a note on every header, date checks on
// the date columns, one example row, and a Notes sheet; or the same header and example as CSV.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { RunError, writeError } from '../errors.js';
import { columnLetters } from '../read/cell-refs.js';
import { dateCellToDate } from './cells.js';
import { csvLine } from './csv.js';
import { TEMPLATE_COLUMNS, TEMPLATE_GUIDE, type TemplateColumn } from './template-columns.js';
import { checkResultsExtension, delimiterOf, formatOf } from './target.js';

/** Rows 2 to this one check their dates; a whole-column check would make readers expand a million cells. */
const VALIDATED_ROWS = 10_001;
/** About what fits on one line of the Notes sheet's 90-wide explanation column. */
const NOTE_CHARS_PER_LINE = 80;

/**
 * The format to write: the one asked for, else the one the --out name says (`.csv`, `.tsv` and `.txt`
 * are text), else xlsx. Only a name and a --format that disagree are refused.
 */
function templateFormat(out: string | undefined, asked: 'xlsx' | 'csv' | undefined): 'xlsx' | 'csv' {
  if (out === undefined || extname(out) === '') return asked ?? 'xlsx';
  checkResultsExtension(out);
  const named = formatOf(out);
  if (asked !== undefined && named !== asked) {
    throw new RunError('USAGE', `--out ${out} names ${named === 'xlsx' ? 'an XLSX' : 'a CSV'} file but --format ${asked} was given: pass --format ${named}, or leave --format out, or choose another --out name.`);
  }
  return named;
}

/**
 * Writes the template and returns its absolute path. An existing file is never overwritten: it may be
 * a template someone has already filled in. Missing folders on the way are made, as for results.
 */
export async function writeTemplate(options: { format?: 'xlsx' | 'csv'; out?: string }): Promise<string> {
  const format = templateFormat(options.out, options.format);
  const path = resolve(options.out ?? `client-packages-template.${format}`);
  const content = format === 'xlsx' ? await templateWorkbook().xlsx.writeBuffer() : templateCsv(path);
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw writeError('FOLDER_UNWRITABLE', `Cannot make the folder ${dirname(path)} for the template`, error);
  }
  try {
    // 'wx': create only, so a file that appears meanwhile is not overwritten either.
    await writeFile(path, new Uint8Array(content), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RunError('OUTPUT_EXISTS', `${path} already exists; it is left as it is.`);
    }
    throw writeError('FOLDER_UNWRITABLE', `Cannot write ${path}`, error);
  }
  return path;
}

function templateCsv(path: string): Buffer {
  const delimiter = delimiterOf(path);
  const example = TEMPLATE_COLUMNS.map((column) => exampleText(column));
  const header = TEMPLATE_COLUMNS.map((column) => column.header);
  return Buffer.from(`\ufeff${csvLine(header, delimiter)}${csvLine(example, delimiter)}`, 'utf8');
}

function exampleText(column: TemplateColumn): string {
  const { example } = column;
  if (example === null) return '';
  if (typeof example === 'object') return example.date;
  return typeof example === 'number' ? example.toFixed(2) : example;
}

export function templateWorkbook(): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'client-packages';
  // Fixed, so the committed template only changes when its content does.
  workbook.created = new Date(Date.UTC(2025, 0, 1));
  workbook.modified = workbook.created;
  const sheet = workbook.addWorksheet('Packages', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = TEMPLATE_COLUMNS.map((column) => ({
    width: column.width,
    // A column format is what Excel gives the cells a person types into: dates show as YYYY-MM-DD,
    // and ids stay text (no lost leading zeros, no 1.23E+15).
    ...(column.numFmt && { style: { numFmt: column.numFmt } }),
  }));
  TEMPLATE_COLUMNS.forEach((column, index) => {
    const cell = sheet.getRow(1).getCell(index + 1);
    cell.value = column.header;
    styleHeader(cell);
    cell.note = headerNote(column);
    writeExample(sheet.getRow(2).getCell(index + 1), column);
    if (column.isDate) addDateCheck(sheet, columnLetters(index + 1), column.header);
  });
  addNotesSheet(workbook);
  return workbook;
}

// A font without a name makes LibreOffice fall back to a serif face; this is the workbook's default.
const HEADER_FONT = { name: 'Calibri', family: 2, size: 11, bold: true } as const;

/** A bold header, on top of whatever else the cell's style holds. */
function styleHeader(cell: ExcelJS.Cell): void {
  cell.style = { ...cell.style, font: { ...HEADER_FONT } };
}

function headerNote(column: TemplateColumn): string {
  const aliases = column.aliases ? `\n\nAlso read as: ${column.aliases}.` : '';
  return `${column.header}\nRequired: ${column.required}.\n\n${column.note}${aliases}`;
}

function writeExample(cell: ExcelJS.Cell, column: TemplateColumn): void {
  const { example } = column;
  if (example === null) return;
  cell.value = typeof example === 'object' ? (dateCellToDate({ kind: 'date', iso: example.date }) ?? example.date) : example;
  if (column.numFmt) cell.numFmt = column.numFmt;
}

// exceljs keeps a sheet's validations by range but leaves that list out of its typings; setting one
// cell at a time instead would store ten thousand copies before squeezing them back into a range.
interface SheetValidations {
  readonly dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void };
}

function addDateCheck(sheet: ExcelJS.Worksheet, letter: string, header: string): void {
  (sheet as unknown as SheetValidations).dataValidations.add(`${letter}2:${letter}${VALIDATED_ROWS}`, {
    type: 'date',
    operator: 'between',
    allowBlank: true,
    formulae: [new Date(Date.UTC(2000, 0, 1)), new Date(Date.UTC(2099, 11, 31))],
    showErrorMessage: true,
    // A warning, not a stop: the importer also reads text dates (with --date-format) and older days,
    // so the sheet points out a likely slip without forbidding what the tool accepts.
    errorStyle: 'warning',
    errorTitle: `${header}: is this a date?`,
    error: `${header} expects a date such as 2025-01-31 (between 2000 and 2099). Text dates such as 31/01/2025 are read only with --date-format. Keep this value?`,
    showInputMessage: true,
    promptTitle: header,
    prompt: 'A date, e.g. 2025-01-31',
  });
}

function addNotesSheet(workbook: ExcelJS.Workbook): void {
  const notes = workbook.addWorksheet('Notes');
  notes.columns = [{ width: 18 }, { width: 24 }, { width: 90 }, { width: 40 }];
  for (const line of TEMPLATE_GUIDE) notes.addRow([line]);
  notes.addRow([]);
  const head = notes.addRow(['column', 'required', 'what to put in it', 'also read as']);
  head.eachCell((cell) => styleHeader(cell));
  for (const column of TEMPLATE_COLUMNS) {
    const row = notes.addRow([column.header, column.required, column.note, column.aliases]);
    row.alignment = { vertical: 'top' };
    row.getCell(3).alignment = { wrapText: true, vertical: 'top' };
    // Neither Excel nor LibreOffice grows a wrapped row when it opens a file, so the height is set here.
    row.height = 15 * Math.ceil(column.note.length / NOTE_CHARS_PER_LINE);
  }
}
