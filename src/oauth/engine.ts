import type { CodeEntry } from '../codes.js';
import { CliError, Code, NetworkError, type ErrorDetails } from '../errors.js';
import { exchange, type RawResponse } from '../http/exchange.js';
import type { ConnectionTimings } from '../http/transport.js';
import { clientAuthentication, type ClientAuthDeps } from './client-auth.js';
import type { RequestContext } from './diagnose.js';
import type { TokenRequest } from './request.js';
import { decideRetry } from './retry.js';
import { parseTokenResponse, requestIdHeaders, type TokenResult } from './token-response.js';
import { secretForms } from '../scrub.js';
import type { Dispatcher } from 'undici';

/** Timeouts, TLS failures and a proxy's refusal will not heal within this command; other network errors may. */
const NOT_RETRIED: ReadonlySet<CodeEntry> = new Set([Code.TIMEOUT, Code.TLS_ERROR, Code.RESPONSE_TOO_LARGE, Code.PROXY_AUTH_REQUIRED, Code.PROXY_ERROR]);

/** How far a connection got before it failed (a timeout leaves no other trace). */
function phaseOf(timings: ConnectionTimings, url: URL): ErrorDetails['phase'] {
  if (timings.connectMs === undefined) return 'connect';
  if (url.protocol === 'https:' && timings.tlsMs === undefined) return 'tls';
  return 'response';
}

/** What --verbose shows: each attempt as it happens. Values are already redacted where needed. */
export type TraceEvent =
  | { type: 'request'; attempt: number; method: string; url: string; headers: Record<string, string>; form: Array<[string, string]> }
  | { type: 'response'; attempt: number; response: RawResponse; elapsedMs: number; timings: ConnectionTimings }
  | { type: 'network-error'; attempt: number; message: string; elapsedMs: number }
  | { type: 'retry'; attempt: number; reason: string; delayMs: number };

export interface EngineDeps extends ClientAuthDeps {
  dispatcher: Dispatcher;
  timings: ConnectionTimings;
  sleep(ms: number): Promise<void>;
  random(): number;
  trace(event: TraceEvent): void;
  /** Said as soon as it is known, so it is seen even when the request then fails. */
  warn(message: string): void;
  /** Told every credential value before it is sent, so nothing printed afterwards can show it. */
  conceal(secret: string): void;
  /** Called once, just before the credential is first sent. */
  sending?(): void;
}

export interface TokenOutcome {
  token: TokenResult;
  status: number;
  attempts: number;
  elapsedMs: number;
  /** x-ms-request-id, client-request-id and similar, for support tickets. */
  requestIds: Record<string, string>;
  warnings: string[];
}

const CLOCK_SKEW_WARNING_SECONDS = 60;

/** The server's Date header against the local clock; client assertions fail with a skewed clock. */
export function clockSkewWarning(dateHeader: string | undefined, receivedAt: Date): string | undefined {
  const serverTime = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(serverTime)) return undefined;
  const skew = Math.round((receivedAt.getTime() - serverTime) / 1000);
  if (Math.abs(skew) <= CLOCK_SKEW_WARNING_SECONDS) return undefined;
  return `this machine's clock is ${Math.abs(skew)}s ${skew > 0 ? 'ahead of' : 'behind'} the server's; client assertions and token expiry checks may fail`;
}

/** The credential values one attempt sends: the secret, the assertion and its signature, the Basic header. */
export function sentCredentials(auth: { headers: Record<string, string>; form: Array<[string, string]> }): string[] {
  const values: string[] = [];
  for (const [name, value] of auth.form) {
    if (name === 'client_secret') values.push(value);
    if (name === 'client_assertion') values.push(value, value.split('.')[2] ?? '');
  }
  const authorization = auth.headers.authorization;
  if (authorization) values.push(authorization, authorization.replace(/^\S+\s+/, ''));
  return values.filter((value) => value !== '');
}

function parseContext(request: TokenRequest, requestedAt: Date, concealed: readonly string[]): Parameters<typeof parseTokenResponse>[1] {
  const { endpoint, credential } = request;
  const context: RequestContext = {
    provider: endpoint.provider,
    tokenUrl: endpoint.tokenUrl,
    authMethod: request.authMethod,
    tenant: endpoint.provider === 'entra' ? endpoint.tenant : undefined,
    clientId: request.clientId,
    scope: request.form.find(([name]) => name === 'scope')?.[1],
    resources: request.form.filter(([name]) => name === 'resource').map(([, value]) => value),
    audience: request.form.find(([name]) => name === 'audience')?.[1],
    authMethodsSupported: endpoint.provider === 'generic' ? endpoint.authMethodsSupported : undefined,
    thumbprint: credential.kind === 'certificate' ? credential.certificate.thumbprintSha1 : undefined,
    secretLooksLikeGuid: credential.kind === 'secret' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(credential.secret),
    grant: request.grant?.kind,
    redirectUri: request.grant?.redirectUri,
    profile: request.grant?.profile,
    publicClient: credential.kind === 'none',
  };
  return { ...context, requestedAt, secrets: concealed };
}

/** The credentials a user grant carries in its form: scrubbed from anything shown, like a client secret. */
function grantSecrets(request: TokenRequest): string[] {
  return (request.grant?.form ?? []).filter(([name]) => ['code', 'code_verifier', 'refresh_token', 'device_code'].includes(name)).map(([, value]) => value);
}

/**
 * Sends the token request: one POST per attempt, a fresh client authentication each time, retries
 * for network errors, 429 and 5xx within the deadline, and the answer parsed into a token or an error.
 */
export async function requestToken(request: TokenRequest, deps: EngineDeps): Promise<TokenOutcome> {
  const started = deps.now().getTime();
  const deadline = started + request.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const auth = await clientAuthentication(request, deps);
    // A code, its verifier or a refresh token echoed back must not come out either.
    const sent = [...sentCredentials(auth), ...grantSecrets(request)];
    for (const value of sent) deps.conceal(value);
    if (attempt === 1) deps.sending?.();
    const concealed = sent.flatMap((value) => secretForms(value, request.clientId));
    const form = [...request.form, ...auth.form];
    const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...auth.headers };
    deps.trace({ type: 'request', attempt, method: 'POST', url: request.endpoint.tokenUrl.href, headers, form });

    const requestedAt = deps.now();
    Object.assign(deps.timings, { dnsMs: undefined, connectMs: undefined, tlsMs: undefined });
    let response: RawResponse | undefined;
    let failure: NetworkError | undefined;
    try {
      response = await exchange(
        { method: 'POST', url: request.endpoint.tokenUrl, headers, body: new URLSearchParams(form).toString() },
        { dispatcher: deps.dispatcher, signal: AbortSignal.timeout(Math.max(1, deadline - requestedAt.getTime())) },
      );
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      failure = error.entry === Code.TIMEOUT ? new NetworkError(Code.TIMEOUT, `no answer from ${request.endpoint.tokenUrl.host} within the ${request.timeoutMs / 1000}s timeout`, { hint: error.hint, cause: error }) : error;
    }
    const receivedAt = deps.now();
    const elapsedMs = receivedAt.getTime() - requestedAt.getTime();
    if (response) {
      deps.trace({ type: 'response', attempt, response, elapsedMs, timings: { ...deps.timings } });
      const skew = attempt === 1 ? clockSkewWarning(response.headers.date, receivedAt) : undefined;
      if (skew) deps.warn(skew);
    } else {
      deps.trace({ type: 'network-error', attempt, message: failure?.message ?? '', elapsedMs });
    }

    // A code works once and a refresh token may rotate when used: after an answer that may have been
    // lost on the way back, sending it again would spend it for nothing. Only a 429 is surely unspent.
    const spendsGrant = request.grant !== undefined && request.grant.kind !== 'device_code';
    const retryable = spendsGrant ? response?.status === 429 : response !== undefined || (failure !== undefined && !NOT_RETRIED.has(failure.entry));
    const decision = retryable
      ? decideRetry({ attempt, status: response?.status, retryAfter: response?.headers['retry-after'], nowMs: receivedAt.getTime(), deadlineMs: deadline, random: deps.random })
      : { retry: false as const, reason: 'not retried' };
    if (decision.retry) {
      deps.trace({ type: 'retry', attempt, reason: decision.reason, delayMs: decision.delayMs });
      await deps.sleep(decision.delayMs);
      continue;
    }
    if (!response) {
      if (failure) Object.assign(failure.details, { host: request.endpoint.tokenUrl.host, phase: failure.details.phase ?? phaseOf(deps.timings, request.endpoint.tokenUrl), attempts: attempt });
      throw failure;
    }

    let token: TokenResult;
    try {
      token = parseTokenResponse(response, parseContext(request, requestedAt, concealed));
    } catch (error) {
      if (error instanceof CliError) Object.assign(error.details, { host: request.endpoint.tokenUrl.host, attempts: attempt });
      throw error;
    }
    return {
      token,
      status: response.status,
      attempts: attempt,
      elapsedMs: receivedAt.getTime() - started,
      requestIds: requestIdHeaders(response.headers, concealed),
      warnings: token.warnings,
    };
  }
}
