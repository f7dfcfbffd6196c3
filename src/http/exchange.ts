import type { Dispatcher } from 'undici';
import { CliError, Code, NetworkError } from '../errors.js';
import { USER_AGENT } from '../version.js';
import { requestVia } from './undici-parts.js';

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
}

/** A response as the parsers see it: status, lower-cased headers, and the body as text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

async function readCapped(body: AsyncIterable<Buffer>, url: URL): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      throw new NetworkError(Code.RESPONSE_TOO_LARGE, `the response from ${url.host} is larger than 1 MiB`, {
        hint: 'Check that the URL is the right endpoint.',
        details: { phase: 'response', host: url.host },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const PROXY_CREDENTIALS_HINT =
  'Put the proxy credentials in the proxy URL of the environment, never on the command line: HTTPS_PROXY=http://user:pass@host:port (percent-encode special characters in the password). --proxy takes no credentials.';

/** Connection-level failures, named by host and phase, with the options that usually fix them. */
export function transportError(error: unknown, url: URL): CliError {
  // Our own refusals (a plain-http name that resolves off this machine) arrive here as they were thrown.
  if (error instanceof CliError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  const host = url.host;
  // undici reports a proxy's refusal of the tunnel as an abort: it is an answer, not a timeout.
  const proxyStatus = /Proxy response \((\d{3})\)|Proxy Authentication Required \((\d{3})\)/.exec(message);
  if (proxyStatus) {
    const status = Number(proxyStatus[1] ?? proxyStatus[2]);
    if (status === 407) {
      return new NetworkError(Code.PROXY_AUTH_REQUIRED, `the proxy wants credentials (HTTP 407 Proxy Authentication Required) to reach ${host}`, {
        hint: PROXY_CREDENTIALS_HINT,
        cause: error,
        details: { phase: 'proxy', host, httpStatus: 407 },
      });
    }
    return new NetworkError(Code.PROXY_ERROR, `the proxy refused the connection to ${host} (HTTP ${status})`, {
      hint: 'The proxy does not allow this destination: ask its administrator, or list the host in NO_PROXY if it should be reached directly.',
      cause: error,
      details: { phase: 'proxy', host, httpStatus: status },
    });
  }
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
    return new NetworkError(Code.TIMEOUT, `no answer from ${url.host} in time`, {
      hint: 'The server or the network is slow or unreachable; raise --timeout, or check proxies (HTTPS_PROXY, --proxy).',
      cause: error,
      details: { host },
    });
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME_MISMATCH|ERR_TLS/i.test(`${code} ${message}`)) {
    return new NetworkError(Code.TLS_ERROR, `TLS handshake with ${url.host} failed: ${message}`, {
      hint: "If a corporate proxy or a private CA signs this host's certificate, trust its PEM with --ca-file or NODE_EXTRA_CA_CERTS. TLS verification is never turned off.",
      cause: error,
      details: { phase: 'tls', host },
    });
  }
  if (/proxy/i.test(message)) {
    return new NetworkError(Code.PROXY_ERROR, `the proxy refused the connection to ${url.host}: ${message}`, {
      hint: 'Check --proxy or HTTPS_PROXY (and proxy credentials); NO_PROXY lists hosts to reach directly.',
      cause: error,
      details: { phase: 'proxy', host },
    });
  }
  const reason = code && !message.includes(code) ? `${message} (${code})` : message;
  const dns = /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME|ENODATA)$/.test(code);
  const connect = /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN|EADDRNOTAVAIL|UND_ERR_CONNECT_TIMEOUT)$/.test(code);
  return new NetworkError(Code.NETWORK_ERROR, dns ? `cannot find ${url.hostname} in DNS: ${reason}` : `cannot reach ${host}: ${reason}`, {
    hint: dns
      ? 'Check the host name in the URL (a typo, or a tenant/domain that does not exist), and DNS; behind a proxy set HTTPS_PROXY or --proxy.'
      : 'Check the URL, DNS and your connection; behind a proxy set HTTPS_PROXY or --proxy (NO_PROXY for exceptions).',
    cause: error,
    details: { phase: dns ? 'dns' : connect ? 'connect' : 'response', host },
  });
}

/** One HTTP exchange through undici: no redirects followed, body capped at 1 MiB. */
export async function exchange(req: HttpRequest, options: { dispatcher: Dispatcher; signal: AbortSignal }): Promise<RawResponse> {
  try {
    const response = await requestVia(options.dispatcher, req.url, {
      method: req.method,
      headers: { 'user-agent': USER_AGENT, ...req.headers },
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: options.signal,
    });
    return { status: response.statusCode, headers: flattenHeaders(response.headers), body: await readCapped(response.body, req.url) };
  } catch (error) {
    throw transportError(error, req.url);
  }
}
