// How an email is compared, wherever it is compared: the sheet's, the server's, the lookups' and the
// duplicate check's. Kept free of imports so the API client can use it without loading the readers.

const ASCII = /^[\x00-\x7f]*$/;

/**
 * An email as compared: trimmed, in Unicode's composed form (NFC) and lower case, so `José@X.com `
 * and `jose\u0301@x.com` (the é as e plus a combining accent, as some systems store it) are one address.
 */
export function emailKey(email: string): string {
  const trimmed = email.trim();
  return ASCII.test(trimmed) ? trimmed.toLowerCase() : trimmed.normalize('NFC').toLowerCase().normalize('NFC');
}
