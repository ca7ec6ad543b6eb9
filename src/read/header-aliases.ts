// The names each field goes by in a header row, and the key headers compare by: one that ignores
// case, spaces and punctuation, so "E-mail", "e mail" and "EMAIL" are one header.
import { FIELDS, type Field } from '../pipeline/types.js';

/** Case-, space- and punctuation-insensitive form of a header. */
export function headerKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const ALIASES: Readonly<Record<Field, readonly string[]>> = {
  client_email: ['Email', 'E-mail', 'Email Address', 'Client Email', 'Client Email Address', 'Customer Email', 'Customer Email Address'],
  client_id: ['Client ID', 'Client UID'],
  package_name: ['Package', 'Package Name', 'Membership', 'Membership Name', 'Plan', 'Plan Name'],
  package_id: ['Package ID'],
  valid_from: ['Start', 'Start Date', 'Valid From'],
  valid_until: ['End', 'End Date', 'Expires', 'Expiry', 'Expiry Date', 'Expiration Date', 'Valid Until', 'Valid To'],
  price: ['Price', 'Amount'],
  conversation_id: ['Conversation', 'Conversation ID', 'Matter', 'Matter ID'],
};

export const ALIAS_FIELDS: ReadonlyMap<string, Field> = new Map(
  FIELDS.flatMap((field) => [field, ...ALIASES[field]].map((alias) => [headerKey(alias), field] as const)),
);
