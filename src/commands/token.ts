import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, UsageError } from '../errors.js';
import { loadExtraCaPems } from '../http/ca.js';
import { getJson } from '../http/get-json.js';
import { createDispatcher, type ConnectionTimings, type TransportOptions } from '../http/transport.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import type { ClientCredential } from '../oauth/client-auth.js';
import { resolveCredential, type SecretSources } from '../oauth/credential.js';
import { discoverEndpoint, planEndpoint, type Endpoint } from '../oauth/endpoint.js';
import { requestToken, type TokenOutcome } from '../oauth/engine.js';
import { buildTokenRequest, type TokenRequest } from '../oauth/request.js';
import { mergeSettings, settingsFromEnvironment, type RequestSettings } from '../oauth/settings.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { formatToken, type OutputFormat } from '../output/token-output.js';
import { formatTrace } from '../output/trace.js';

export interface TokenOptions extends GlobalOptions {
  settings: RequestSettings;
  secrets: SecretSources;
  output: OutputFormat;
}

/** A masked prompt on a terminal; otherwise all of stdin (a pipe or a file). */
export function secretReader(io: Io): (label: string) => Promise<string> {
  return async (label) => {
    if (io.stdin.isTTY) {
      const { password } = await import('@inquirer/prompts');
      try {
        return await password({ message: `${label}:`, mask: '*' }, { output: process.stderr });
      } catch (error) {
        if ((error as Error).name === 'ExitPromptError') throw new InterruptedError('INTERRUPTED', 'interrupted: nothing was sent or written');
        throw error;
      }
    }
    const input = await io.stdin.readAll(64 * 1024);
    if (input === 'too-large') throw new UsageError('SECRET_TOO_LARGE', `the ${label.toLowerCase()} on stdin is larger than 64 KiB`, { hint: 'Pipe in only the secret.' });
    return input.toString('utf8');
  };
}

function warn(io: Io, message: string): void {
  io.stderr.write(`${io.stderr.color.yellow('warning')} ${message}\n`);
}

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
export async function prepareTokenRequest(settings: RequestSettings, secrets: SecretSources, io: Io, verbose: boolean): Promise<PreparedRequest> {
  const plan = planEndpoint(settings);
  const transport: TransportOptions = {
    proxy: settings.proxy ? parseEndpointUrl(settings.proxy, '--proxy') : undefined,
    extraCaPems: await loadExtraCaPems(settings.caFile, io.env),
  };
  const credential = await resolveCredential(settings, secrets, { env: io.env, readSecretFromStdin: secretReader(io), readFile: (path) => readFile(path) });
  if (credential.kind === 'certificate') {
    const { assessCertificate } = await import('../oauth/certificate.js');
    for (const warning of assessCertificate(credential.certificate, io.now(), settings.thumbprint).warnings) warn(io, warning);
  } else if (settings.thumbprint) {
    throw new UsageError('THUMBPRINT_WITHOUT_CERTIFICATE', '--thumbprint checks a certificate, but no --certificate was given', { hint: 'Pass the certificate with --certificate.' });
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

/** Sends a prepared request with the real clock, network and --verbose trace. */
export async function sendTokenRequest({ request, transport }: PreparedRequest, io: Io, verbose: boolean): Promise<TokenOutcome> {
  const timings: ConnectionTimings = {};
  const dispatcher = createDispatcher(transport, timings);
  const secrets = request.credential.kind === 'secret' ? [request.credential.secret] : [];
  try {
    const outcome = await requestToken(request, {
      dispatcher,
      timings,
      now: () => io.now(),
      newJti: randomUUID,
      readText: (path) => readFile(path, 'utf8'),
      sleep: (ms) => sleep(ms),
      random: Math.random,
      trace: (event) => verbose && io.stderr.write(formatTrace(event, io.stderr.color, secrets)),
      warn: (message) => warn(io, message),
    });
    for (const warning of outcome.warnings) warn(io, warning);
    if (verbose) {
      const ids = Object.entries(outcome.requestIds).map(([name, value]) => `${name} ${value}`);
      io.stderr.write(io.stderr.color.dim(`token received in ${outcome.elapsedMs} ms after ${outcome.attempts} attempt(s)${ids.length ? `; ${ids.join(', ')}` : ''}\n`));
    }
    return outcome;
  } finally {
    await dispatcher.destroy();
  }
}

export async function tokenCommand(options: TokenOptions, io: Io): Promise<void> {
  const settings = mergeSettings(options.settings, settingsFromEnvironment(io.env));
  const prepared = await prepareTokenRequest(settings, options.secrets, io, options.verbose);
  const outcome = await sendTokenRequest(prepared, io, options.verbose);
  io.stdout.write(formatToken(outcome.token, options.json ? 'json' : options.output));
}
