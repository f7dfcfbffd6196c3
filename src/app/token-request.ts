/**
 * The token request with real I/O: files, the network and what the reporter is told. Every flow that
 * requests a token goes through these two steps; the decisions live in the pure oauth/ modules.
 */
import { randomUUID } from 'node:crypto';
import { readInputFile, readInputText } from '../input-file.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, UsageError } from '../errors.js';
import { loadExtraCaPems } from '../http/ca.js';
import { getJson } from '../http/get-json.js';
import { createDispatcher, type ConnectionTimings, type TransportOptions } from '../http/transport.js';
import { parseProxyUrl } from '../http/url-policy.js';
import { checkRoute, effectiveProxy } from '../http/destinations.js';
import { missingPermissionsWarning } from '../jwt/permissions.js';
import type { ClientCredential } from '../oauth/client-auth.js';
import { resolveCredential, type SecretLookup } from '../oauth/credential.js';
import { discoverEndpoint, planEndpoint, type Endpoint } from '../oauth/endpoint.js';
import { requestToken, type TokenOutcome } from '../oauth/engine.js';
import type { Reporter } from '../oauth/reporter.js';
import { buildTokenRequest, type TokenRequest } from '../oauth/request.js';
import { timeoutMs, type RequestSettings } from '../oauth/settings.js';

export interface RequestContext {
  env: Record<string, string | undefined>;
  now(): Date;
  reporter: Reporter;
}

function describeCredential(credential: ClientCredential, reporter: Reporter): void {
  if (credential.kind === 'certificate') {
    const c = credential.certificate;
    reporter.detail(`certificate ${c.subject}, valid ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}`);
    reporter.detail(`  thumbprint SHA-1 ${c.thumbprintSha1} (as the Entra portal shows it), SHA-256 ${c.thumbprintSha256}`);
  } else {
    reporter.detail(`credential: ${{ secret: 'client secret', federated: 'federated token file', none: 'none (a public client)' }[credential.kind]} from ${credential.source}`);
  }
}

export interface PreparedRequest {
  request: TokenRequest;
  transport: TransportOptions;
}

/**
 * From settings and secrets to a request ready to send: everything that can be refused locally is
 * refused before anything goes over the network (discovery aside).
 */
export async function prepareTokenRequest(settings: RequestSettings, secrets: SecretLookup, context: RequestContext): Promise<PreparedRequest> {
  const { reporter } = context;
  const plan = planEndpoint(settings);
  timeoutMs(settings);
  const transport: TransportOptions = {
    proxy: settings.proxy ? parseProxyUrl(settings.proxy) : undefined,
    extraCaPems: await loadExtraCaPems(settings.caFile, context.env),
  };
  // Checked before any secret is read or anything is sent: a profile edited to point elsewhere stops here.
  checkRoute('discover' in plan ? plan.issuerUrl : plan.tokenUrl, 'discover' in plan ? 'issuer' : 'token endpoint', transport.proxy, context.env);
  // Every secret read for the request is concealed at once, before anything can be printed.
  const concealed: SecretLookup = async (kind) => {
    const secret = await secrets(kind);
    if (secret) reporter.conceal(secret.value, settings.clientId);
    return secret;
  };
  const credential = await resolveCredential(settings, concealed, readInputFile);
  if (credential.kind === 'certificate') {
    const { assessCertificate } = await import('../oauth/certificate.js');
    for (const warning of assessCertificate(credential.certificate, context.now(), settings.thumbprint).warnings) reporter.warn(warning);
  } else if (settings.thumbprint) {
    throw new UsageError(Code.THUMBPRINT_WITHOUT_CERTIFICATE, '--thumbprint checks a certificate, but no --certificate was given', { hint: 'Pass the certificate with --certificate.' });
  }
  describeCredential(credential, reporter);
  let endpoint: Endpoint;
  if ('discover' in plan) {
    endpoint = await discoverEndpoint(plan, (url) => getJson(url, { ...transport, timeoutMs: timeoutMs(settings), what: 'discovery metadata', notFoundIsUndefined: true }));
    reporter.detail(`discovered token endpoint ${endpoint.tokenUrl.href}`);
    checkRoute(endpoint.tokenUrl, 'token endpoint', transport.proxy, context.env);
  } else {
    endpoint = plan;
  }
  const request = buildTokenRequest(settings, endpoint, credential);
  for (const warning of request.warnings) reporter.warn(warning);
  return { request, transport };
}

/** The payload of a JWT access token; undefined for an opaque one. */
function tokenPayload(token: string): Record<string, unknown> | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const CREDENTIAL_NAMES: Record<ClientCredential['kind'], string> = { secret: 'client secret', certificate: 'certificate-signed assertion', federated: 'federated token', none: 'request' };

/** What a credential is and where it goes, in one line, e.g. "the client secret of client svc to login.example.com". */
export function describeDestination({ request, transport }: PreparedRequest, env: Record<string, string | undefined>): string {
  const proxy = effectiveProxy(request.endpoint.tokenUrl, transport.proxy, env);
  return `the ${CREDENTIAL_NAMES[request.credential.kind]} of ${request.credential.kind === 'none' ? 'public ' : ''}client ${request.clientId} to ${request.endpoint.tokenUrl.hostname}${proxy ? ` through the proxy ${proxy.hostname}` : ''}`;
}

export interface SendOptions {
  /** Warn about a token that grants nothing (configure and validate; `token` only in --verbose detail). */
  checkPermissions?: boolean;
}

/** Sends a prepared request with the real clock and network, telling the reporter each attempt. */
export async function sendTokenRequest(prepared: PreparedRequest, context: RequestContext, options: SendOptions = {}): Promise<TokenOutcome> {
  const { request, transport } = prepared;
  const { reporter } = context;
  // Every token request passes here (sign-in code exchanges, device polls and refreshes too).
  checkRoute(request.endpoint.tokenUrl, 'token endpoint', transport.proxy, context.env);
  const timings: ConnectionTimings = {};
  const stopProgress = reporter.progress(`requesting a token from ${request.endpoint.tokenUrl.host}…`);
  const dispatcher = createDispatcher(transport, timings);
  try {
    const outcome = await requestToken(request, {
      dispatcher,
      timings,
      now: () => context.now(),
      newJti: randomUUID,
      readText: readInputText,
      sleep: (ms) => sleep(ms),
      random: Math.random,
      trace: (event) => reporter.trace(event),
      warn: (message) => reporter.warn(message),
      conceal: (secret) => reporter.conceal(secret, request.clientId),
      // A pipeline's log says where its credential went, so a changed profile cannot send it elsewhere unseen.
      sending: () => reporter.sending(describeDestination(prepared, context.env)),
    });
    for (const warning of outcome.warnings) reporter.warn(warning);
    const permissions = missingPermissionsWarning(tokenPayload(outcome.token.accessToken));
    if (permissions && options.checkPermissions) reporter.warn(permissions);
    else if (permissions) reporter.verboseWarn(permissions);
    const ids = Object.entries(outcome.requestIds).map(([name, value]) => `${name} ${value}`);
    reporter.detail(`token received in ${outcome.elapsedMs} ms after ${outcome.attempts} attempt(s)${ids.length ? `; ${ids.join(', ')}` : ''}`);
    return outcome;
  } finally {
    stopProgress();
    await dispatcher.destroy();
  }
}
