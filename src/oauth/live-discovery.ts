import { exchange } from '../http/exchange.js';
import { createDispatcher, type TransportOptions } from '../http/transport.js';
import { buildDiscoveryRequest, discover, type ServerMetadata } from './discovery.js';

/** The metadata of an issuer over the network: each location once, no redirects, within the timeout. */
export async function fetchServerMetadata(issuer: URL, transport: TransportOptions, timeoutMs: number): Promise<{ metadata: ServerMetadata; source: URL }> {
  const dispatcher = createDispatcher(transport);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await discover(issuer, (url) => exchange(buildDiscoveryRequest(url), { dispatcher, signal }));
  } finally {
    await dispatcher.destroy();
  }
}

/**
 * Entra's v2 issuer for a tenant: https://login.microsoftonline.com/{tenant ID}/v2.0. A tenant given
 * as a domain answers with its ID in the issuer, so the expected issuer is the metadata's when it has
 * exactly that shape on the same authority host.
 */
export function entraIssuer(authorityHost: URL, tenant: string, metadataIssuer: string | undefined): string {
  const base = authorityHost.href.replace(/\/+$/, '');
  const asked = `${base}/${tenant}/v2.0`;
  const guidIssuer = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/v2\\.0$`, 'i');
  return metadataIssuer !== undefined && !/^[0-9a-f-]{36}$/i.test(tenant) && guidIssuer.test(metadataIssuer) ? metadataIssuer : asked;
}
