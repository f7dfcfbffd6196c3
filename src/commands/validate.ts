import { CheckFailedError, Code } from '../errors.js';
import type { RequestSettings } from '../oauth/settings.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { warn } from '../output/io.js';
import { checkExpectations, keyClaims, mergeExpectations, tokenClaims, type Expectations } from '../profiles/expectations.js';
import { resolveProfileName } from '../profiles/paths.js';
import { openProfileSession, storedSecretReader, withProfileWriteLock } from '../profiles/session.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';

export interface ValidateOptions extends GlobalOptions {
  profile: string | undefined;
  settings: RequestSettings;
  expectations: Expectations;
  /** Print the equivalent curl command instead of sending the request. */
  curl: boolean;
}

/**
 * A live request for a profile, like a Validate button: it bypasses the cache and leaves it as it
 * was, reports what the identity provider said, and checks the expectations.
 */
export async function validateCommand(options: ValidateOptions, io: Io): Promise<void> {
  const session = await openProfileSession(resolveProfileName(options.profile, io.env), options.settings, io);
  const { profile } = session;
  const expiry = secretExpiryNotice(profile, io.now());
  if (expiry) warn(io, expiry.message);
  const { describeDestination, prepareTokenRequest, sendTokenRequest } = await import('../oauth/live-request.js');
  const { effectiveProxy } = await import('../http/destinations.js');
  const prepared = await prepareTokenRequest(session.settings, {}, io, options.verbose, storedSecretReader(profile, session.store));
  if (options.curl) {
    const { curlCommand } = await import('../oauth/curl.js');
    io.stdout.write(curlCommand(prepared.request, { caFile: session.settings.caFile, proxy: session.settings.proxy }));
    return;
  }
  const outcome = await sendTokenRequest(prepared, io, { ...options, checkPermissions: true });
  const claims = tokenClaims(outcome.token.accessToken);
  const expectations = mergeExpectations(profile.expectations, options.expectations);
  const { failures, unchecked } = checkExpectations(claims, expectations);
  if (unchecked) warn(io, unchecked);

  const report = {
    profile: profile.name,
    endpoint: prepared.request.endpoint.tokenUrl.href,
    credentialSentTo: prepared.request.endpoint.tokenUrl.hostname,
    authMethod: prepared.request.authMethod,
    status: outcome.status,
    latencyMs: outcome.elapsedMs,
    attempts: outcome.attempts,
    tokenType: outcome.token.tokenType,
    expiresIn: outcome.token.expiresIn ?? null,
    expiresAt: outcome.token.expiresAt?.toISOString() ?? null,
    claims: keyClaims(claims),
    expectations: { ...expectations, failures },
    requestIds: outcome.requestIds,
  };
  const c = (failures.length ? io.stderr : io.stdout).color;
  const lines = [
    `${failures.length ? c.red('FAILED') : c.green('ok')} profile ${c.bold(profile.name)}: token received (HTTP ${report.status}, ${report.latencyMs} ms${report.attempts > 1 ? `, ${report.attempts} attempts` : ''})`,
    `  endpoint     ${report.endpoint}`,
    `  auth method  ${report.authMethod}`,
    `  sent         ${describeDestination(prepared.request, effectiveProxy(prepared.request.endpoint.tokenUrl, prepared.transport.proxy, io.env))}`,
    `  token        ${report.tokenType}${report.expiresAt ? `, expires ${report.expiresAt} (in ${Math.round((report.expiresIn ?? 0) / 60)} min)` : ', no expiry given'}`,
    ...Object.entries(report.claims).map(([name, value]) => `  ${name.padEnd(12)} ${typeof value === 'string' ? value : JSON.stringify(value)}`),
    ...Object.entries(report.requestIds).map(([name, value]) => `  ${name.padEnd(12)} ${value}`),
  ];
  if (failures.length) {
    // With --json the whole report is data on stdout, failures included, and stderr the one error
    // object; in text, stdout stays empty on failure and the report goes to stderr with the error.
    if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stderr.write(`${lines.join('\n')}\n`);
    throw new CheckFailedError(Code.EXPECTATION_FAILED, `the token does not meet profile ${profile.name}'s expectations: ${failures.map((failure) => failure.why).join('; ')}`, {
      hint: `Fix the app's permissions or the request (e.g. --resource), or change the expectation: tokenctl configure -p ${profile.name} --expect-…`,
    });
  }
  // Re-read under the lock: a configure that ran meanwhile must not be undone by this write.
  await withProfileWriteLock(session.layout, profile.name, async () => {
    const current = await session.repo.read(profile.name);
    await session.repo.write({ ...current, lastValidatedAt: io.now().toISOString() });
  });
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${lines.join('\n')}\n`);
}
