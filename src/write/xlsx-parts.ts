// The parts of an .xlsx around its sheets: content types, relationships, document properties, the
// workbook (sheet names, the filter range LibreOffice needs, the header row printed on every page),
// styles and theme. Written as exceljs wrote them, which Excel and LibreOffice open without a word.
import { THEME_XML } from './xlsx-theme.js';
import { escapeXml } from './xlsx-text.js';

export interface SheetPart {
  readonly name: string;
  /** `$A$1:$M$6`: the sheet has an autofilter over these cells. */
  readonly filterRange?: string | undefined;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const OFFICE_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_RELS = 'http://schemas.openxmlformats.org/package/2006/relationships';

/**
 * The parts besides the sheets (`xl/worksheets/sheetN.xml`, the first results sheet then the others,
 * written by the caller), as [part name, XML].
 */
export function workbookParts(sheets: readonly SheetPart[], stylesXml: string): Array<[string, string]> {
  const now = `${new Date().toISOString().slice(0, 19)}Z`;
  return [
    ['[Content_Types].xml', contentTypes(sheets.length)],
    ['_rels/.rels', rootRelationships()],
    ['docProps/app.xml', appProperties(sheets)],
    ['docProps/core.xml', coreProperties(now)],
    ['xl/workbook.xml', workbook(sheets)],
    ['xl/_rels/workbook.xml.rels', workbookRelationships(sheets.length)],
    ['xl/theme/theme1.xml', THEME_XML],
    ['xl/styles.xml', stylesXml],
  ];
}

function contentTypes(sheetCount: number): string {
  const sheetTypes = Array.from(
    { length: sheetCount },
    (_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
  ).join('');
  return (
    `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    sheetTypes +
    '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>' +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>' +
    '</Types>'
  );
}

function rootRelationships(): string {
  return (
    `${XML_HEAD}<Relationships xmlns="${PACKAGE_RELS}">` +
    `<Relationship Id="rId1" Type="${OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/>` +
    `<Relationship Id="rId2" Type="${PACKAGE_RELS}/metadata/core-properties" Target="docProps/core.xml"/>` +
    `<Relationship Id="rId3" Type="${OFFICE_RELS}/extended-properties" Target="docProps/app.xml"/>` +
    '</Relationships>'
  );
}

function appProperties(sheets: readonly SheetPart[]): string {
  const titles = sheets.map((sheet) => `<vt:lpstr>${escapeXml(sheet.name)}</vt:lpstr>`).join('');
  return (
    `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" ` +
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' +
    '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>' +
    '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>' +
    `<vt:variant><vt:i4>${sheets.length}</vt:i4></vt:variant></vt:vector></HeadingPairs>` +
    `<TitlesOfParts><vt:vector size="${sheets.length}" baseType="lpstr">${titles}</vt:vector></TitlesOfParts>` +
    '<Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>' +
    '<AppVersion>16.0300</AppVersion></Properties>'
  );
}

function coreProperties(now: string): string {
  return (
    `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ' +
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<dc:creator>client-packages</dc:creator><cp:lastModifiedBy>client-packages</cp:lastModifiedBy>' +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${now}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${now}</dcterms:modified></cp:coreProperties>`
  );
}

function workbook(sheets: readonly SheetPart[]): string {
  const sheetList = sheets
    .map((sheet, i) => `<sheet sheetId="${i + 1}" name="${escapeXml(sheet.name)}" state="visible" r:id="rId${i + 3}"/>`)
    .join('');
  // The results sheet (the first) has its filter range named, as LibreOffice needs to show the filter
  // buttons (tdf#118592) and as Excel writes it, and its header row printed on every page.
  const first = sheets[0];
  let names = '';
  if (first) {
    const quoted = escapeXml(`'${first.name.replaceAll("'", "''")}'`);
    if (first.filterRange) names += `<definedName name="_xlnm._FilterDatabase" localSheetId="0">${quoted}!${first.filterRange}</definedName>`;
    names += `<definedName name="_xlnm.Print_Titles" localSheetId="0">${quoted}!$1:$1</definedName>`;
  }
  return (
    `${XML_HEAD}<workbook xmlns="${MAIN}" xmlns:r="${OFFICE_RELS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ` +
    'mc:Ignorable="x15" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">' +
    '<fileVersion appName="xl" lastEdited="5" lowestEdited="5" rupBuild="9303"/><workbookPr defaultThemeVersion="164011" filterPrivacy="1"/>' +
    `<sheets>${sheetList}</sheets><definedNames>${names}</definedNames><calcPr calcId="171027"/></workbook>`
  );
}

function workbookRelationships(sheetCount: number): string {
  const sheetRels = Array.from(
    { length: sheetCount },
    (_, i) => `<Relationship Id="rId${i + 3}" Type="${OFFICE_RELS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
  ).join('');
  return (
    `${XML_HEAD}<Relationships xmlns="${PACKAGE_RELS}">` +
    `<Relationship Id="rId1" Type="${OFFICE_RELS}/styles" Target="styles.xml"/>` +
    `<Relationship Id="rId2" Type="${OFFICE_RELS}/theme" Target="theme/theme1.xml"/>` +
    sheetRels +
    '</Relationships>'
  );
}
