import { checkExpectations, keyClaims, mergeExpectations, tokenClaims, type ExpectationFailure, type Expectations } from '../profiles/expectations.js';
import type { RequestSettings } from '../oauth/settings.js';
import { resolveProfileName } from '../profiles/paths.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';
import type { AppContext } from './context.js';
import { secretLookup, sessionSecrets } from './secret-sources.js';
import { checkProfilePaths, openProfileSession, withConsistentSession, withProfileWriteLock } from './session.js';

export interface ValidateFlowOptions {
  profile: string | undefined;
  settings: RequestSettings;
  expectations: Expectations;
  /** Build the equivalent curl command instead of sending the request. */
  curl: boolean;
}

export interface ValidationReport {
  profile: string;
  endpoint: string;
  /** The host the credential was sent to. */
  credentialSentTo: string;
  authMethod: string;
  status: number;
  latencyMs: number;
  attempts: number;
  tokenType: string;
  expiresIn: number | null;
  expiresAt: string | null;
  claims: Record<string, unknown>;
  expectations: Expectations & { failures: ExpectationFailure[] };
  requestIds: Record<string, string>;
}

export type ValidateResult = { curl: string } | { report: ValidationReport; failures: ExpectationFailure[]; /** What was sent where, in words. */ destination: string };

/**
 * A live request for a profile, like a Validate button: it bypasses the cache and leaves it as it
 * was, reports what the identity provider said, and checks the expectations. A profile whose token
 * meets them is marked validated.
 */
export async function validateProfile(options: ValidateFlowOptions, context: AppContext): Promise<ValidateResult> {
  const name = resolveProfileName(options.profile, context.env);
  const open = () => openProfileSession(name, options.settings, context);
  const first = await open();
  const expiry = secretExpiryNotice(first.profile, context.now());
  if (expiry) context.reporter.warn(expiry.message);
  const { describeDestination, prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
  // The profile and the secrets it names, read as a pair even while a configure rotates the secret.
  const { session, prepared } = await withConsistentSession(first, open, async (current) => {
    checkProfilePaths(current.profile, current.settings, context.cwd);
    return { session: current, prepared: await prepareTokenRequest(current.settings, secretLookup({}, sessionSecrets(current, context)), context) };
  });
  const { profile } = session;
  if (options.curl) {
    const { curlCommand } = await import('../oauth/curl.js');
    return { curl: curlCommand(prepared.request, { caFile: session.settings.caFile, proxy: session.settings.proxy }) };
  }
  const outcome = await sendTokenRequest(prepared, context, { checkPermissions: true });
  const claims = tokenClaims(outcome.token.accessToken);
  const expectations = mergeExpectations(profile.expectations, options.expectations);
  const { failures, unchecked } = checkExpectations(claims, expectations);
  if (unchecked) context.reporter.warn(unchecked);
  const report: ValidationReport = {
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
  if (failures.length === 0) {
    // Re-read under the lock: a configure that ran meanwhile must not be undone by this write.
    await withProfileWriteLock(context.layout, profile.name, async () => {
      const current = await session.repo.read(profile.name);
      await session.repo.write({ ...current, lastValidatedAt: context.now().toISOString() });
    }, context.env);
  }
  return { report, failures, destination: describeDestination(prepared, context.env) };
}
