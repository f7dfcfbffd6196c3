/**
 * The token request with real I/O: files, stdin, the network and the --verbose trace. Commands that
 * request tokens use these; the decisions themselves live in the pure modules they call.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, UsageError } from '../errors.js';
import { loadExtraCaPems } from '../http/ca.js';
import { getJson } from '../http/get-json.js';
import { createDispatcher, type ConnectionTimings, type TransportOptions } from '../http/transport.js';
import { parseProxyUrl } from '../http/url-policy.js';
import type { ClientCredential } from './client-auth.js';
import { resolveCredential, type CredentialDeps, type SecretSources } from './credential.js';
import { discoverEndpoint, planEndpoint, type Endpoint } from './endpoint.js';
import { requestToken, type TokenOutcome } from './engine.js';
import { buildTokenRequest, type TokenRequest } from './request.js';
import type { RequestSettings } from './settings.js';
import { warn, type Io } from '../output/io.js';
import { secretReader } from '../output/prompts.js';
import { startSpinner } from '../output/spinner.js';
import { formatTrace } from '../output/trace.js';
import { missingPermissionsWarning } from '../jwt/permissions.js';

function describeCredential(credential: ClientCredential, io: Io, verbose: boolean): void {
  if (!verbose) return;
  const dim = io.stderr.color.dim;
  if (credential.kind === 'certificate') {
    const c = credential.certificate;
    io.stderr.write(dim(`certificate ${c.subject}, valid ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}\n`));
    io.stderr.write(dim(`  thumbprint SHA-1 ${c.thumbprintSha1} (as the Entra portal shows it), SHA-256 ${c.thumbprintSha256}\n`));
  } else {
    io.stderr.write(dim(`credential: ${credential.kind === 'secret' ? 'client secret' : 'federated token file'} from ${credential.source}\n`));
  }
}

export interface PreparedRequest {
  request: TokenRequest;
  transport: TransportOptions;
}

/**
 * From settings and secret sources to a request ready to send: everything that can be refused
 * locally is refused before anything goes over the network (discovery aside).
 */
export async function prepareTokenRequest(
  settings: RequestSettings,
  secrets: SecretSources,
  io: Io,
  verbose: boolean,
  storedSecret?: CredentialDeps['storedSecret'],
): Promise<PreparedRequest> {
  const plan = planEndpoint(settings);
  const transport: TransportOptions = {
    proxy: settings.proxy ? parseProxyUrl(settings.proxy) : undefined,
    extraCaPems: await loadExtraCaPems(settings.caFile, io.env),
  };
  const credential = await resolveCredential(settings, secrets, {
    env: io.env,
    readSecretFromStdin: secretReader(io),
    readFile: (path) => readFile(path),
    conceal: (secret) => io.scrubber.add(secret, settings.clientId),
    ...(storedSecret ? { storedSecret } : {}),
  });
  if (credential.kind === 'certificate') {
    const { assessCertificate } = await import('../oauth/certificate.js');
    for (const warning of assessCertificate(credential.certificate, io.now(), settings.thumbprint).warnings) warn(io, warning);
  } else if (settings.thumbprint) {
    throw new UsageError(Code.THUMBPRINT_WITHOUT_CERTIFICATE, '--thumbprint checks a certificate, but no --certificate was given', { hint: 'Pass the certificate with --certificate.' });
  }
  describeCredential(credential, io, verbose);
  let endpoint: Endpoint;
  if ('discover' in plan) {
    const timeoutMs = (settings.timeoutSeconds ?? 30) * 1000;
    endpoint = await discoverEndpoint(plan, (url) => getJson(url, { ...transport, timeoutMs, what: 'discovery metadata', notFoundIsUndefined: true }));
    if (verbose) io.stderr.write(io.stderr.color.dim(`discovered token endpoint ${endpoint.tokenUrl.href}\n`));
  } else {
    endpoint = plan;
  }
  const request = buildTokenRequest(settings, endpoint, credential);
  for (const warning of request.warnings) warn(io, warning);
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

/** Sends a prepared request with the real clock, network and --verbose trace. */
export interface OutputMode {
  verbose: boolean;
  json: boolean;
  /** Warn about a token that grants nothing (always for configure and validate; with -v for token). */
  checkPermissions?: boolean;
}

export async function sendTokenRequest({ request, transport }: PreparedRequest, io: Io, { verbose, json, checkPermissions }: OutputMode): Promise<TokenOutcome> {
  const timings: ConnectionTimings = {};
  const stopSpinner = startSpinner(io, `requesting a token from ${request.endpoint.tokenUrl.host}…`, { verbose, json });
  const dispatcher = createDispatcher(transport, timings);
  try {
    const outcome = await requestToken(request, {
      dispatcher,
      timings,
      now: () => io.now(),
      newJti: randomUUID,
      readText: (path) => readFile(path, 'utf8'),
      sleep: (ms) => sleep(ms),
      random: Math.random,
      trace: (event) => verbose && io.stderr.write(formatTrace(event, io.stderr.color, (text) => io.scrubber.scrub(text))),
      warn: (message) => warn(io, message),
      conceal: (secret) => io.scrubber.add(secret, request.clientId),
    });
    for (const warning of outcome.warnings) warn(io, warning);
    if (verbose || checkPermissions) {
      const permissions = missingPermissionsWarning(tokenPayload(outcome.token.accessToken));
      if (permissions) warn(io, permissions);
    }
    if (verbose) {
      const ids = Object.entries(outcome.requestIds).map(([name, value]) => `${name} ${value}`);
      io.stderr.write(io.stderr.color.dim(`token received in ${outcome.elapsedMs} ms after ${outcome.attempts} attempt(s)${ids.length ? `; ${ids.join(', ')}` : ''}\n`));
    }
    return outcome;
  } finally {
    stopSpinner();
    await dispatcher.destroy();
  }
}

