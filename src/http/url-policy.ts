import { isIP } from 'node:net';
import { Code, UsageError } from '../errors.js';
import { refuseSecretInUrl } from '../secret-parameters.js';

/** A literal loopback address: 127.0.0.0/8, ::1, or IPv4 127/8 mapped into IPv6. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) !== 6) return false;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1] ?? /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.exec(host)?.[0];
  return mapped !== undefined && (mapped.startsWith('127.') || mapped.startsWith('::ffff:7f'));
}

/**
 * The hosts plain http may be used with: literal loopback addresses, and localhost and *.localhost,
 * names that are then connected only if they resolve to nothing but loopback (see loopbackOnlyLookup).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isLoopbackAddress(host);
}

/**
 * Parses a proxy URL. Unlike an endpoint, plain http is fine for any host: https requests are
 * tunnelled through it with CONNECT, so TLS runs end to end between tokenctl and the server.
 */
export function parseProxyUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(Code.INVALID_URL, `--proxy is not a valid URL: ${JSON.stringify(value)}`, { hint: 'For example: --proxy http://proxy.example.com:3128' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(Code.UNSUPPORTED_URL_SCHEME, `--proxy must be an http:// or https:// proxy, not ${url.protocol}`, { hint: 'SOCKS proxies are not supported.' });
  }
  if (url.username || url.password) {
    // A password on the command line is visible in the process list and kept in profiles.
    throw new UsageError(Code.PROXY_CREDENTIALS_ON_COMMAND_LINE, '--proxy must not carry a user name or password', {
      hint: 'Put the proxy URL with its credentials in HTTPS_PROXY (from your secret store) instead.',
    });
  }
  return url;
}

/**
 * Parses a URL the tool will send a request to. https only; plain http only for loopback hosts,
 * because a credential or token sent in clear text can be read by anyone on the path.
 */
export function parseEndpointUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(Code.INVALID_URL, `${what} is not a valid URL: ${JSON.stringify(value)}`, {
      hint: 'Give an absolute URL, for example https://login.example.com/oauth2/token',
    });
  }
  if (url.username || url.password) {
    throw new UsageError(Code.URL_WITH_CREDENTIALS, `${what} must not contain a user name or password`, {
      hint: 'Remove the user:password@ part; credentials are never put in URLs.',
    });
  }
  refuseSecretInUrl(url, what);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw new UsageError(Code.INSECURE_URL, `${what} must use https: ${url.origin} would send data in clear text`, {
      hint: `Use https://${url.host}${url.pathname}. Plain http is allowed only for loopback hosts (localhost, 127.0.0.1, ::1).`,
    });
  }
  throw new UsageError(Code.UNSUPPORTED_URL_SCHEME, `${what} must be an https URL, not ${url.protocol}`, {
    hint: 'Give an https:// URL.',
  });
}
