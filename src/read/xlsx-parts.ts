// The workbook-level facts exceljs's streaming reader does not give reliably: the sheets in tab
// order with their part names (it names sheets only when the relationship target is spelled
// `worksheets/sheetN.xml`), and the 1904 date system (it only recognises `date1904="1"`, while
// LibreOffice writes `date1904="true"`). These parts are small, so they are read whole.
import { basename } from 'node:path';
import { RunError } from '../errors.js';
import { decodeValue } from './xml-text.js';
import type { ZipArchive, ZipEntry } from './zip.js';

export interface SheetInfo {
  readonly name: string;
  readonly part: ZipEntry;
  readonly visible: boolean;
}

export interface WorkbookInfo {
  readonly date1904: boolean;
  /** Worksheets in tab order (chart sheets and macro sheets left out). */
  readonly sheets: readonly SheetInfo[];
  readonly sharedStrings?: ZipEntry;
  readonly styles?: ZipEntry;
}

interface Relationship {
  readonly type: string;
  readonly target: string;
}

export async function readWorkbookInfo(zip: ZipArchive, path: string): Promise<WorkbookInfo> {
  const name = basename(path);
  const rootRels = await readRelationships(zip, '_rels/.rels');
  const office = [...rootRels.values()].find((r) => r.type.endsWith('/officeDocument'));
  const workbookPath = office ? resolveTarget('', office.target) : 'xl/workbook.xml';
  const workbookEntry = zip.entries.get(workbookPath.toLowerCase());
  if (!workbookEntry) throw new RunError('UNKNOWN_FORMAT', `${name} is ${describeZip(zip)}, not an Excel workbook.`);
  const xml = await zip.readText(workbookEntry);
  const dir = workbookPath.includes('/') ? workbookPath.slice(0, workbookPath.lastIndexOf('/') + 1) : '';
  const rels = await readRelationships(zip, `${dir}_rels/${basename(workbookPath)}.rels`);
  const partOf = (type: string): ZipEntry | undefined => {
    const rel = [...rels.values()].find((r) => r.type.endsWith(type));
    return rel ? zip.entries.get(resolveTarget(dir, rel.target).toLowerCase()) : undefined;
  };

  const props = firstElement(xml, 'workbookPr');
  const date1904 = /^(1|true)$/i.test(props?.['date1904'] ?? '');
  const sheets: SheetInfo[] = [];
  for (const attrs of elements(xml, 'sheet')) {
    const relId = Object.entries(attrs).find(([key]) => key === 'r:id' || key.endsWith(':id'))?.[1];
    const rel = relId === undefined ? undefined : rels.get(relId);
    if (!rel || !rel.type.endsWith('/worksheet')) continue;
    const part = zip.entries.get(resolveTarget(dir, rel.target).toLowerCase());
    if (!part) throw new RunError('FILE_CORRUPT', `${name} lists a sheet "${attrs['name'] ?? ''}" whose data is missing from the file.`);
    sheets.push({ name: attrs['name'] ?? '', part, visible: (attrs['state'] ?? 'visible') === 'visible' });
  }
  return { date1904, sheets, sharedStrings: partOf('/sharedStrings'), styles: partOf('/styles') };
}

function describeZip(zip: ZipArchive): string {
  if (zip.entries.has('content.xml') || zip.entries.has('mimetype')) return 'an OpenDocument file (.ods)';
  if (zip.entries.has('word/document.xml')) return 'a Word document (.docx)';
  if (zip.entries.has('ppt/presentation.xml')) return 'a PowerPoint file (.pptx)';
  if (zip.entries.has('index.xml') || [...zip.entries.keys()].some((k) => k.startsWith('index/'))) {
    return 'an Apple Numbers file';
  }
  return 'a zip archive';
}

async function readRelationships(zip: ZipArchive, partName: string): Promise<Map<string, Relationship>> {
  const entry = zip.entries.get(partName.toLowerCase());
  const rels = new Map<string, Relationship>();
  if (!entry) return rels;
  for (const attrs of elements(await zip.readText(entry), 'Relationship')) {
    if (attrs['Id'] && attrs['Target'] && attrs['TargetMode'] !== 'External') {
      rels.set(attrs['Id'], { type: attrs['Type'] ?? '', target: attrs['Target'] });
    }
  }
  return rels;
}

/** A relationship target as a zip part name: relative to the source part's folder, or absolute. */
function resolveTarget(dir: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : dir + target).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(decodeURIComponentSafe(part));
  }
  return out.join('/');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Attributes of every start tag with this local name, whatever namespace prefix it carries. */
function elements(xml: string, localName: string): Array<Record<string, string>> {
  const found: Array<Record<string, string>> = [];
  const tag = new RegExp(`<(?:[\\w.-]+:)?${localName}(?=[\\s/>])([^>]*)>`, 'g');
  for (const match of xml.matchAll(tag)) found.push(attributes(match[1] ?? ''));
  return found;
}

function firstElement(xml: string, localName: string): Record<string, string> | undefined {
  return elements(xml, localName)[0];
}

function attributes(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of source.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attrs[m[1] ?? ''] = decodeValue(m[2] ?? m[3] ?? '');
  }
  return attrs;
}
