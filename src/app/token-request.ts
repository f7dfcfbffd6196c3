/**
 * The token request with real I/O: files, the network and what the reporter is told. Every flow that
 * requests a token goes through these two steps; the decisions live in the pure oauth/ modules.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, UsageError } from '../errors.js';
import { loadExtraCaPems } from '../http/ca.js';
import { getJson } from '../http/get-json.js';
import { createDispatcher, type ConnectionTimings, type TransportOptions } from '../http/transport.js';
import { parseProxyUrl } from '../http/url-policy.js';
import type { ClientCredential } from '../oauth/client-auth.js';
import { resolveCredential, type SecretLookup } from '../oauth/credential.js';
import { discoverEndpoint, planEndpoint, type Endpoint } from '../oauth/endpoint.js';
import { requestToken, type TokenOutcome } from '../oauth/engine.js';
import type { Reporter } from '../oauth/reporter.js';
import { buildTokenRequest, type TokenRequest } from '../oauth/request.js';
import type { RequestSettings } from '../oauth/settings.js';

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
    reporter.detail(`credential: ${credential.kind === 'secret' ? 'client secret' : 'federated token file'} from ${credential.source}`);
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
  const transport: TransportOptions = {
    proxy: settings.proxy ? parseProxyUrl(settings.proxy) : undefined,
    extraCaPems: await loadExtraCaPems(settings.caFile, context.env),
  };
  // Every secret read for the request is concealed at once, before anything can be printed.
  const concealed: SecretLookup = async (kind) => {
    const secret = await secrets(kind);
    if (secret) reporter.conceal(secret.value, settings.clientId);
    return secret;
  };
  const credential = await resolveCredential(settings, concealed, (path) => readFile(path));
  if (credential.kind === 'certificate') {
    const { assessCertificate } = await import('../oauth/certificate.js');
    for (const warning of assessCertificate(credential.certificate, context.now(), settings.thumbprint).warnings) reporter.warn(warning);
  } else if (settings.thumbprint) {
    throw new UsageError(Code.THUMBPRINT_WITHOUT_CERTIFICATE, '--thumbprint checks a certificate, but no --certificate was given', { hint: 'Pass the certificate with --certificate.' });
  }
  describeCredential(credential, reporter);
  let endpoint: Endpoint;
  if ('discover' in plan) {
    const timeoutMs = (settings.timeoutSeconds ?? 30) * 1000;
    endpoint = await discoverEndpoint(plan, (url) => getJson(url, { ...transport, timeoutMs, what: 'discovery metadata', notFoundIsUndefined: true }));
    reporter.detail(`discovered token endpoint ${endpoint.tokenUrl.href}`);
  } else {
    endpoint = plan;
  }
  const request = buildTokenRequest(settings, endpoint, credential);
  for (const warning of request.warnings) reporter.warn(warning);
  return { request, transport };
}

/** Sends a prepared request with the real clock and network, telling the reporter each attempt. */
export async function sendTokenRequest({ request, transport }: PreparedRequest, context: RequestContext): Promise<TokenOutcome> {
  const { reporter } = context;
  const timings: ConnectionTimings = {};
  const stopProgress = reporter.progress(`requesting a token from ${request.endpoint.tokenUrl.host}…`);
  const dispatcher = createDispatcher(transport, timings);
  try {
    const outcome = await requestToken(request, {
      dispatcher,
      timings,
      now: () => context.now(),
      newJti: randomUUID,
      readText: (path) => readFile(path, 'utf8'),
      sleep: (ms) => sleep(ms),
      random: Math.random,
      trace: (event) => reporter.trace(event),
      warn: (message) => reporter.warn(message),
      conceal: (secret) => reporter.conceal(secret, request.clientId),
    });
    for (const warning of outcome.warnings) reporter.warn(warning);
    const ids = Object.entries(outcome.requestIds).map(([name, value]) => `${name} ${value}`);
    reporter.detail(`token received in ${outcome.elapsedMs} ms after ${outcome.attempts} attempt(s)${ids.length ? `; ${ids.join(', ')}` : ''}`);
    return outcome;
  } finally {
    stopProgress();
    await dispatcher.destroy();
  }
}
