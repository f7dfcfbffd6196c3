import { isIP } from 'node:net';
import { Code, UsageError } from '../errors.js';

/** A pipeline pins where its credentials may go: host names, each optionally `*.`-prefixed. */
export const ALLOWED_HOSTS_ENV = 'TOKENCTL_ALLOWED_HOSTS';

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');

/** The allowed hosts, or undefined when no list is set (an empty value counts as unset). */
export function parseAllowedHosts(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const entries = value
    .split(',')
    .map((entry) => bare(entry.trim()))
    .filter(Boolean);
  const invalid = entries.find((entry) => !HOST_PATTERN.test(entry) && isIP(entry) === 0);
  if (invalid !== undefined || entries.length === 0) {
    throw new UsageError(Code.ALLOWED_HOSTS_INVALID, `${ALLOWED_HOSTS_ENV} must be a comma-separated list of host names, not ${JSON.stringify(invalid ?? value)}`, {
      hint: `For example: ${ALLOWED_HOSTS_ENV}=login.microsoftonline.com,*.okta.com (no scheme, port or path; *. allows subdomains).`,
    });
  }
  return entries;
}

/** `*.example.com` allows any name below example.com, not example.com itself; anything else is exact. */
export function isHostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = bare(hostname);
  return allowed.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern));
}

/** Refuses, before anything is sent, a destination outside the pipeline's list. */
export function checkDestination(url: URL, role: string, allowed: readonly string[] | undefined): void {
  if (allowed === undefined || isHostAllowed(url.hostname, allowed)) return;
  throw new UsageError(Code.HOST_NOT_ALLOWED, `the ${role} ${bare(url.hostname)} is not in ${ALLOWED_HOSTS_ENV} (${allowed.join(', ')}): nothing was sent`, {
    hint: `If ${bare(url.hostname)} is right, add it to ${ALLOWED_HOSTS_ENV}; if not, check the profile and the environment (token URL, issuer, authority host, proxy): someone may have changed them.`,
  });
}

/** Whether NO_PROXY exempts this URL, the way undici's EnvHttpProxyAgent reads it. */
function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = bare(url.hostname);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[,\s]/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [name = '', entryPort] = entry.toLowerCase().split(/:(?=\d+$)/);
      if (entryPort && entryPort !== port) return false;
      const suffix = name.replace(/^\*?\./, '');
      return host === suffix || host.endsWith(`.${suffix}`);
    });
}

/**
 * The proxy a request to `url` would go through: --proxy, else the environment (undici's order),
 * unless NO_PROXY exempts it. Plain http (loopback only) is never proxied.
 */
export function effectiveProxy(url: URL, explicit: URL | undefined, env: Record<string, string | undefined>): URL | undefined {
  if (url.protocol !== 'https:') return undefined;
  if (explicit) return explicit;
  const value = env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY;
  if (!value || bypassesProxy(url, env.no_proxy ?? env.NO_PROXY)) return undefined;
  return URL.canParse(value) ? new URL(value) : undefined;
}

/** The destination and the proxy on the way to it, each checked against the list. */
export function checkRoute(url: URL, role: string, explicitProxy: URL | undefined, env: Record<string, string | undefined>): void {
  const allowed = parseAllowedHosts(env[ALLOWED_HOSTS_ENV]);
  checkDestination(url, role, allowed);
  const proxy = effectiveProxy(url, explicitProxy, env);
  if (proxy) checkDestination(proxy, `proxy to ${bare(url.hostname)}`, allowed);
}
