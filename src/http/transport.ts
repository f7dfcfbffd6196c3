import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { buildConnector, EnvHttpProxyAgent, ProxyAgent } from './undici-parts.js';

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
 * Node's bundled roots with these CAs added. A `ca` list would replace the roots, so it would have to
 * repeat all ~146 of them, parsed again on every run (40-80 ms); adding to the default context's
 * store costs about a millisecond. Node copies the roots it has already parsed into a store of this
 * context's own (without NODE_EXTRA_CA_CERTS, which loadExtraCaPems passes in for that reason).
 */
export function secureContextTrusting(extraCaPems: readonly string[]): SecureContext {
  const secureContext = createSecureContext();
  // The native context's addCACert is what Node's own `ca` option calls, once per PEM (bundles included).
  const native = secureContext.context as { addCACert(pem: string): void };
  for (const pem of extraCaPems) native.addCACert(pem);
  return secureContext;
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
  const tls = options.extraCaPems?.length ? { secureContext: secureContextTrusting(options.extraCaPems) } : {};
  if (options.proxy) return new ProxyAgent({ uri: options.proxy.href, requestTls: tls });

  const timedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const started = performance.now();
    dnsLookup(hostname, lookupOptions, (...args: Parameters<typeof callback>) => {
      timings.dnsMs = performance.now() - started;
      callback(...args);
    });
  };
  const baseConnector = buildConnector({ ...tls, lookup: timedLookup });
  const connect: BuildConnector.connector = (connectOptions, callback) => {
    const started = performance.now();
    // undici's connector returns the socket it creates, though its type says void.
    const socket = (baseConnector as unknown as (o: BuildConnector.Options, c: BuildConnector.Callback) => Socket)(connectOptions, callback);
    socket.once('connect', () => (timings.connectMs = performance.now() - started - (timings.dnsMs ?? 0)));
    socket.once('secureConnect', () => (timings.tlsMs = performance.now() - started - (timings.dnsMs ?? 0) - (timings.connectMs ?? 0)));
    return socket;
  };
  // EnvHttpProxyAgent uses the plain agent (with our connector) for NO_PROXY hosts and when no proxy is set.
  return new EnvHttpProxyAgent({ connect, requestTls: tls });
}
