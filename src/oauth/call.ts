import { Code, NetworkError } from '../errors.js';
import { exchange, type RawResponse } from '../http/exchange.js';
import { clientAuthentication, type AssertionOptions, type ClientAuthDeps, type ClientCredential } from './client-auth.js';
import type { TraceEvent } from './engine.js';
import type { AuthMethod } from '../choices.js';
import type { Dispatcher } from 'undici';

/** Who the client is at an endpoint that authenticates it (device authorization, revocation, introspection). */
export interface ClientIdentity {
  clientId: string;
  authMethod: AuthMethod;
  credential: ClientCredential;
  assertion: AssertionOptions;
}

export interface CallDeps extends ClientAuthDeps {
  dispatcher: Dispatcher;
  trace(event: TraceEvent): void;
}

async function send(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, form: Array<[string, string]>, deps: CallDeps, timeoutMs: number): Promise<RawResponse> {
  deps.trace({ type: 'request', attempt: 1, method, url: url.href, headers, form });
  const started = deps.now().getTime();
  try {
    const response = await exchange(
      { method, url, headers, ...(method === 'POST' ? { body: new URLSearchParams(form).toString() } : {}) },
      { dispatcher: deps.dispatcher, signal: AbortSignal.timeout(timeoutMs) },
    );
    deps.trace({ type: 'response', attempt: 1, response, elapsedMs: deps.now().getTime() - started, timings: {} });
    return response;
  } catch (error) {
    deps.trace({ type: 'network-error', attempt: 1, message: (error as Error).message, elapsedMs: deps.now().getTime() - started });
    if (error instanceof NetworkError && error.entry === Code.TIMEOUT) {
      throw new NetworkError(Code.TIMEOUT, `no answer from ${url.host} within ${Math.round(timeoutMs / 1000)}s`, { hint: error.hint, cause: error });
    }
    throw error;
  }
}

/**
 * One authenticated form POST to an OAuth endpoint. Not retried: revoking, introspecting and starting
 * a device authorization are cheap to run again by hand, and a retried device authorization would
 * show the user a code that is no longer the one being polled.
 */
export async function postAuthenticatedForm(url: URL, form: Array<[string, string]>, client: ClientIdentity, deps: CallDeps, timeoutMs: number): Promise<RawResponse> {
  const auth = await clientAuthentication(client, deps);
  const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...auth.headers };
  return send('POST', url, headers, [...form, ...auth.form], deps, timeoutMs);
}

/** One GET (userinfo, metadata) with the given headers. */
export function getResource(request: { url: URL; headers: Record<string, string> }, deps: CallDeps, timeoutMs: number): Promise<RawResponse> {
  return send('GET', request.url, request.headers, [], deps, timeoutMs);
}
