// Hand-built .xlsx packages for the reader tests: the XML of other writers (namespace prefixes, cells
// without references, inline rich text) that exceljs itself never writes. A plain stored zip.
import { writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

export function writeZip(path: string, files: Record<string, string | Buffer>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, directory, end]));
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export interface PackageParts {
  /** The inside of <sheetData>, or a whole worksheet document when it starts with `<?xml` or `<`+prefix. */
  sheet: string;
  sharedStrings?: string[] | string;
  /** numFmt codes by style index (index 0 is the default style). */
  numFmts?: string[];
  /** Excel's built-in number formats by id, as the styles after those of `numFmts`. */
  builtInFormats?: number[];
  date1904?: boolean;
  sheets?: string[];
  /** The inside of <sheetData> of each sheet after the first (empty when not given). */
  laterSheets?: string[];
}

export function writeXlsx(path: string, parts: PackageParts): void {
  const sheetNames = parts.sheets ?? ['Sheet1'];
  const files: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/></Types>',
    '_rels/.rels': `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml':
      `<?xml version="1.0"?><workbook xmlns="${NS}" xmlns:r="${REL}"><workbookPr${parts.date1904 ? ' date1904="1"' : ''}/><sheets>` +
      sheetNames.map((n, i) => `<sheet name="${n}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
      '</sheets></workbook>',
    'xl/_rels/workbook.xml.rels':
      `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      sheetNames.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      `<Relationship Id="rIdS" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` +
      `<Relationship Id="rIdT" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
  };
  const sheetDoc = (data: string) =>
    data.startsWith('<?xml') || data.startsWith('<x:') ? data : `<?xml version="1.0"?><worksheet xmlns="${NS}"><sheetData>${data}</sheetData></worksheet>`;
  sheetNames.forEach((_, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] = sheetDoc(i === 0 ? parts.sheet : (parts.laterSheets?.[i - 1] ?? ''));
  });
  const ss = parts.sharedStrings ?? [];
  files['xl/sharedStrings.xml'] =
    typeof ss === 'string' ? ss : `<?xml version="1.0"?><sst xmlns="${NS}">${ss.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`;
  const fmts = parts.numFmts ?? [];
  files['xl/styles.xml'] =
    `<?xml version="1.0"?><styleSheet xmlns="${NS}"><numFmts>` +
    fmts.map((f, i) => `<numFmt numFmtId="${164 + i}" formatCode="${f.replace(/"/g, '&quot;')}"/>`).join('') +
    '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>' +
    `<cellXfs><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>${[...fmts.map((_, i) => 164 + i), ...(parts.builtInFormats ?? [])]
      .map((id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>`)
      .join('')}</cellXfs></styleSheet>`;
  writeZip(path, files);
}
