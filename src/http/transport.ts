import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import { Code, UsageError } from '../errors.js';
import { Agent, buildConnector, DispatcherBase, EnvHttpProxyAgent, ProxyAgent } from './undici-parts.js';
import { isLoopbackAddress } from './url-policy.js';

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

type Resolve = (hostname: string, options: { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * The lookup for plain-http connections: a name is used only when every address it resolves to is a
 * loopback address, and the connection goes to those very addresses (no second lookup to rebind).
 * RFC 6761 names under .localhost are loopback by definition: they are never sent to DNS.
 */
export function loopbackOnlyLookup(resolve: Resolve = dnsLookup as unknown as Resolve): LookupFunction {
  return (hostname, options, callback) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const asked = name.endsWith('.localhost') ? 'localhost' : name;
    resolve(asked, { all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const outside = addresses.find((address) => !isLoopbackAddress(address.address));
      if (outside || addresses.length === 0) {
        const refusal = new UsageError(Code.INSECURE_URL, `plain http to ${hostname} refused: it resolves to ${outside?.address ?? 'nothing'}, not only to loopback addresses`, {
          hint: 'Plain http is allowed only to this machine (127.0.0.1, ::1, localhost); use https:// for anything else.',
        });
        return callback(refusal as unknown as NodeJS.ErrnoException, '', 0);
      }
      const usable = options.family ? addresses.filter((address) => address.family === options.family) : addresses;
      const chosen = usable.length > 0 ? usable : addresses;
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, chosen);
      const first = chosen[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** Plain http to loopback goes straight to this machine; everything else (https) may use a proxy. */
class BySchemeDispatcher extends DispatcherBase {
  constructor(
    private readonly plain: Dispatcher,
    private readonly secure: Dispatcher,
  ) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(options.origin ?? '');
    return (origin.startsWith('http:') ? this.plain : this.secure).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([this.plain.close(), this.secure.close()]).then(() => undefined);
    if (!callback) return done;
    void done.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(errorOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const error = typeof errorOrCallback === 'function' ? null : (errorOrCallback ?? null);
    const done = Promise.all([this.plain.destroy(error), this.secure.destroy(error)]).then(() => undefined);
    const cb = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    if (!cb) return done;
    void done.then(cb);
  }
}

/**
 * The undici dispatcher every request goes through. Redirects are never followed (undici's request
 * does not follow them unless told to); certificate verification is on for every TLS connection,
 * direct or through a proxy, whatever NODE_TLS_REJECT_UNAUTHORIZED says; a private CA is added to
 * the bundled roots, not put in their place; and plain http never leaves this machine, nor goes
 * through a proxy that could read it.
 */
export function createDispatcher(options: TransportOptions, timings: ConnectionTimings = {}): Dispatcher {
  // undici parses HTTP with WebAssembly, compiled at its first connection. V8 would re-optimise it in
  // background threads that process exit waits for (~60 ms a command); the baseline tier is ample.
  setFlagsFromString('--liftoff-only');
  // Explicit, because Node's default follows NODE_TLS_REJECT_UNAUTHORIZED=0 and turns checking off.
  const tls = { rejectUnauthorized: true, ...(options.extraCaPems?.length ? { secureContext: secureContextTrusting(options.extraCaPems) } : {}) };
  const proxyTls = { rejectUnauthorized: true };

  const timedLookup = (lookup: LookupFunction): LookupFunction => (hostname, lookupOptions, callback) => {
    const started = performance.now();
    lookup(hostname, lookupOptions, (...args: Parameters<typeof callback>) => {
      timings.dnsMs = performance.now() - started;
      callback(...args);
    });
  };
  const timedConnector = (base: BuildConnector.connector): BuildConnector.connector => (connectOptions, callback) => {
    const started = performance.now();
    // undici's connector returns the socket it creates, though its type says void.
    const socket = (base as unknown as (o: BuildConnector.Options, c: BuildConnector.Callback) => Socket)(connectOptions, callback);
    socket.once('connect', () => (timings.connectMs = performance.now() - started - (timings.dnsMs ?? 0)));
    socket.once('secureConnect', () => (timings.tlsMs = performance.now() - started - (timings.dnsMs ?? 0) - (timings.connectMs ?? 0)));
    return socket;
  };

  const plain = new Agent({ connect: timedConnector(buildConnector({ lookup: timedLookup(loopbackOnlyLookup()) })) });
  const secure = options.proxy
    ? new ProxyAgent({ uri: options.proxy.href, requestTls: tls, proxyTls })
    : // EnvHttpProxyAgent uses the plain agent (with our connector) for NO_PROXY hosts and when no proxy is set.
      new EnvHttpProxyAgent({ connect: timedConnector(buildConnector({ ...tls, lookup: timedLookup(dnsLookup as LookupFunction) })), requestTls: tls, proxyTls });
  return new BySchemeDispatcher(plain, secure);
}
