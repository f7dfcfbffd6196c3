import { EnvHttpProxyAgent, request } from 'undici';
import { NetworkError } from '../errors.js';
import { USER_AGENT } from '../version.js';

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface GetJsonOptions {
  timeoutMs: number;
  /** What the document is, for messages: "discovery document", "JWKS". */
  what: string;
}

async function readCapped(body: AsyncIterable<Buffer>, url: URL, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) throw new NetworkError('RESPONSE_TOO_LARGE', `the ${what} at ${url.href} is larger than 1 MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function connectionError(error: unknown, url: URL, what: string): NetworkError {
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const tls = /CERT|SSL|TLS|SELF_SIGNED/.test(code + message);
  return new NetworkError(tls ? 'TLS_ERROR' : 'NETWORK_ERROR', `could not fetch the ${what} from ${url.host}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, {
    hint: tls
      ? 'If a corporate proxy or private CA signs this host, point NODE_EXTRA_CA_CERTS at its PEM certificate.'
      : 'Check the URL and your connection; behind a proxy set HTTPS_PROXY (and NO_PROXY for exceptions).',
    cause: error,
  });
}

/**
 * GET a public JSON document (discovery metadata, a JWKS). Proxies from HTTPS_PROXY/NO_PROXY are
 * honoured; redirects are not followed, so the URL that was checked is the URL that answers.
 */
export async function getJson(url: URL, { timeoutMs, what }: GetJsonOptions): Promise<unknown> {
  const dispatcher = new EnvHttpProxyAgent();
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: 'GET',
      dispatcher,
      headers: { accept: 'application/json', 'user-agent': USER_AGENT },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    await dispatcher.close();
    if ((error as Error).name === 'TimeoutError') {
      throw new NetworkError('TIMEOUT', `no answer from ${url.host} within ${timeoutMs / 1000}s while fetching the ${what}`, { cause: error });
    }
    throw connectionError(error, url, what);
  }
  try {
    const { statusCode, headers, body } = response;
    if (statusCode >= 300 && statusCode < 400) {
      await body.dump();
      throw new NetworkError('UNEXPECTED_REDIRECT', `the ${what} at ${url.href} redirects (HTTP ${statusCode}) to ${String(headers.location ?? 'nowhere')}`, {
        hint: 'Use the final URL directly; tokenctl does not follow redirects.',
      });
    }
    const text = await readCapped(body, url, what);
    if (statusCode !== 200) {
      throw new NetworkError('HTTP_ERROR', `the ${what} at ${url.href} answered HTTP ${statusCode}`, {
        hint: 'Check the URL; for discovery the issuer (iss) must be the base of /.well-known/openid-configuration.',
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new NetworkError('RESPONSE_NOT_JSON', `the ${what} at ${url.href} is not JSON (content type ${String(headers['content-type'] ?? 'none')})`, { cause: error });
    }
  } finally {
    await dispatcher.close();
  }
}
