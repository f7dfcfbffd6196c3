import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { buildConnector, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';

export interface TransportOptions {
  /** An explicit proxy (--proxy); otherwise HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply. */
  proxy?: URL | undefined;
  /** PEM certificates to trust besides the bundled roots (--ca-file, NODE_EXTRA_CA_CERTS). */
  extraCaPems?: string[] | undefined;
}

/** Milliseconds spent in each phase of the last connection, for --verbose. */
export interface ConnectionTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
}

/**
 * The undici dispatcher every request goes through. Redirects are never followed (undici's request
 * does not follow them unless told to), TLS verification is never relaxed, and a private CA is added
 * to the bundled roots, not put in their place.
 */
export function createDispatcher(options: TransportOptions, timings: ConnectionTimings = {}): Dispatcher {
  // undici parses HTTP with WebAssembly, compiled at its first connection. V8 would re-optimise it in
  // background threads that process exit waits for (~60 ms a command); the baseline tier is ample.
  setFlagsFromString('--liftoff-only');
  const ca = options.extraCaPems?.length ? [...rootCertificates, ...options.extraCaPems] : undefined;
  const tls = ca ? { ca } : {};
  if (options.proxy) return new ProxyAgent({ uri: options.proxy.href, requestTls: tls });

  const timedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const started = performance.now();
    dnsLookup(hostname, lookupOptions, (...args: Parameters<typeof callback>) => {
      timings.dnsMs = performance.now() - started;
      callback(...args);
    });
  };
  const baseConnector = buildConnector({ ...tls, lookup: timedLookup });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const started = performance.now();
    // undici's connector returns the socket it creates, though its type says void.
    const socket = (baseConnector as unknown as (o: buildConnector.Options, c: buildConnector.Callback) => Socket)(connectOptions, callback);
    socket.once('connect', () => (timings.connectMs = performance.now() - started - (timings.dnsMs ?? 0)));
    socket.once('secureConnect', () => (timings.tlsMs = performance.now() - started - (timings.dnsMs ?? 0) - (timings.connectMs ?? 0)));
    return socket;
  };
  // EnvHttpProxyAgent uses the plain agent (with our connector) for NO_PROXY hosts and when no proxy is set.
  return new EnvHttpProxyAgent({ connect, requestTls: tls });
}
