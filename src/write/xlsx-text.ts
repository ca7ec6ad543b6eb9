// Text as the XML of an .xlsx holds it.

/**
 * Escapes text for an XML element or attribute, and drops the control characters XML 1.0 cannot hold
 * at all, as exceljs did.
 */
export function escapeXml(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escaped: string;
    if (c === 0x26) escaped = '&amp;';
    else if (c === 0x3c) escaped = '&lt;';
    else if (c === 0x3e) escaped = '&gt;';
    else if (c === 0x22) escaped = '&quot;';
    else if (c === 0x27) escaped = '&apos;';
    else if (c === 0x7f || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) escaped = '';
    else continue;
    if (i > from) out += text.slice(from, i);
    out += escaped;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
