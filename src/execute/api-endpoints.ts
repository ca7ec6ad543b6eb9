// The platform endpoints the tool calls, the route names its request events carry, and how a query
// goes on a path. Shared by the client's reads and create and by the preflight that probes them.
import type { RequestEvent } from './api-types.js';

export type Route = RequestEvent['route'];

export const CLIENTS_PATH = '/platform/v1/clients';
export const PACKAGES_PATH = '/platform/v1/payment/packages';
export const CREATE_PATH = '/platform/v1/payment/client_packages';
export const clientPackagesPath = (clientId: string) => `${CLIENTS_PATH}/${encodeURIComponent(clientId)}/payment/client_packages`;

export function withQuery(path: string, query: Readonly<Record<string, string>>): string {
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}
