/**
 * The token request with real I/O: files, stdin, the network and the --verbose trace. Commands that
 * request tokens use these; the decisions themselves live in the pure modules they call.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, UsageError } from '../errors.js';
import { loadExtraCaPems } from '../http/ca.js';
import { getJson } from '../http/get-json.js';
import { createDispatcher, type ConnectionTimings, type TransportOptions } from '../http/transport.js';
import { parseProxyUrl } from '../http/url-policy.js';
import { checkRoute, effectiveProxy } from '../http/destinations.js';
import type { ClientCredential } from './client-auth.js';
import { resolveCredential, type CredentialDeps, type SecretSources } from './credential.js';
import { discoverEndpoint, planEndpoint, type Endpoint } from './endpoint.js';
import { requestToken, type TokenOutcome } from './engine.js';
import { buildTokenRequest, type TokenRequest } from './request.js';
import { timeoutMs, type RequestSettings } from './settings.js';
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
  timeoutMs(settings);
  const transport: TransportOptions = {
    proxy: settings.proxy ? parseProxyUrl(settings.proxy) : undefined,
    extraCaPems: await loadExtraCaPems(settings.caFile, io.env),
  };
  // Checked before any secret is read or anything is sent: a profile edited to point elsewhere stops here.
  checkRoute('discover' in plan ? plan.issuerUrl : plan.tokenUrl, 'discover' in plan ? 'issuer' : 'token endpoint', transport.proxy, io.env);
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
    endpoint = await discoverEndpoint(plan, (url) => getJson(url, { ...transport, timeoutMs: timeoutMs(settings), what: 'discovery metadata', notFoundIsUndefined: true }));
    if (verbose) io.stderr.write(io.stderr.color.dim(`discovered token endpoint ${endpoint.tokenUrl.href}\n`));
    checkRoute(endpoint.tokenUrl, 'token endpoint', transport.proxy, io.env);
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

/** At most `limit` bytes and one more: a huge file, or an endless one (/dev/zero), is never read whole. */
async function readTextUpTo(path: string, limit: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      size += bytesRead;
      if (bytesRead === 0 || size === buffer.length) break;
    }
    return buffer.subarray(0, size).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** What a credential is and where it goes, in one line, e.g. "the client secret of svc to login.example.com". */
export function describeDestination(request: TokenRequest, proxy: URL | undefined): string {
  const what = { secret: 'client secret', certificate: 'certificate-signed assertion', 'assertion-file': 'federated token' }[request.credential.kind];
  return `the ${what} of client ${request.clientId} to ${request.endpoint.tokenUrl.hostname}${proxy ? ` through the proxy ${proxy.hostname}` : ''}`;
}

export async function sendTokenRequest({ request, transport }: PreparedRequest, io: Io, { verbose, json, checkPermissions }: OutputMode): Promise<TokenOutcome> {
  // A pipeline's log says where its credential went, so a changed profile cannot send it elsewhere unseen.
  const announce = () => {
    if (!io.stderr.isTTY && !json) io.stderr.write(`tokenctl: sending ${describeDestination(request, effectiveProxy(request.endpoint.tokenUrl, transport.proxy, io.env))}\n`);
  };
  const timings: ConnectionTimings = {};
  const stopSpinner = startSpinner(io, `requesting a token from ${request.endpoint.tokenUrl.host}…`, { verbose, json });
  const dispatcher = createDispatcher(transport, timings);
  try {
    const outcome = await requestToken(request, {
      dispatcher,
      timings,
      now: () => io.now(),
      newJti: randomUUID,
      readText: readTextUpTo,
      sleep: (ms) => sleep(ms),
      random: Math.random,
      trace: (event) => verbose && io.stderr.write(formatTrace(event, io.stderr.color, (text) => io.scrubber.scrub(text))),
      warn: (message) => warn(io, message),
      conceal: (secret) => io.scrubber.add(secret, request.clientId),
      sending: announce,
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

