import { CliError } from '../errors.js';
import { checkExpectations, keyClaims, mergeExpectations, tokenClaims, type ExpectationFailure, type Expectations } from '../profiles/expectations.js';
import { isUserGrant, type RequestSettings } from '../oauth/settings.js';
import { Code, UsageError } from '../errors.js';
import type { TokenOutcome } from '../oauth/engine.js';
import { resolveProfileName } from '../profiles/paths.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';
import type { AppContext } from './context.js';
import { secretLookup, sessionSecrets } from './secret-sources.js';
import { checkProfilePaths, openProfileSession, withConsistentSession, withProfileWriteLock, type ProfileSession } from './session.js';

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
  /** Every warning of the run (a token granting nothing, a secret about to expire, …): data in --json. */
  warnings: string[];
  /** A sign-in profile's: where users sign in, and the sign-in whose refresh token was used. */
  signIn?: { grant: string; signInEndpoint: string; signedInAt: string; user: string | null };
}

export type ValidateResult = { curl: string } | { report: ValidationReport; failures: ExpectationFailure[]; /** What was sent where, in words. */ destination: string };

/**
 * A live request for a profile, like a Validate button: it bypasses the cache and leaves it as it
 * was, reports what the identity provider said, and checks the expectations. A profile whose token
 * meets them is marked validated.
 */
export async function validateProfile(options: ValidateFlowOptions, appContext: AppContext): Promise<ValidateResult> {
  // Every warning is reported as usual and kept for the report; a failure carries them too.
  const warnings: string[] = [];
  const context: AppContext = {
    ...appContext,
    reporter: {
      ...appContext.reporter,
      warn: (message) => {
        warnings.push(message);
        appContext.reporter.warn(message);
      },
    },
  };
  try {
    return await validateWith(options, context, warnings);
  } catch (error) {
    if (error instanceof CliError && warnings.length) error.details.warnings = [...warnings];
    throw error;
  }
}

async function validateWith(options: ValidateFlowOptions, context: AppContext, warnings: string[]): Promise<ValidateResult> {
  const name = resolveProfileName(options.profile, context.env);
  const open = () => openProfileSession(name, options.settings, context);
  const first = await open();
  const expiry = secretExpiryNotice(first.profile, context.now());
  if (expiry) context.reporter.warn(expiry.message);
  if (isUserGrant(first.profile.settings)) return validateSignIn(first, open, options, context, warnings);
  const { describeDestination, prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
  // The profile and the secrets it names, read as a pair even while a configure rotates the secret.
  const { session, prepared } = await withConsistentSession(first, open, async (current) => {
    checkProfilePaths(current.profile, current.settings, context.cwd);
    return { session: current, prepared: await prepareTokenRequest(current.settings, secretLookup({}, sessionSecrets(current, context)), context) };
  });
  if (options.curl) {
    const { curlCommand } = await import('../oauth/curl.js');
    return { curl: curlCommand(prepared.request, { caFile: session.settings.caFile, proxy: session.settings.proxy }) };
  }
  const outcome = await sendTokenRequest(prepared, context, { checkPermissions: true });
  const { report, failures } = await reportOutcome(session, outcome, { endpoint: prepared.request.endpoint.tokenUrl, authMethod: prepared.request.authMethod }, options, context, warnings);
  return { report, failures, destination: describeDestination(prepared, context.env) };
}

/** The report of a token obtained live, with the expectations checked; a profile whose token meets them is marked validated. */
async function reportOutcome(
  session: ProfileSession,
  outcome: TokenOutcome,
  request: { endpoint: URL; authMethod: string },
  options: ValidateFlowOptions,
  context: AppContext,
  warnings: string[],
  signIn?: ValidationReport['signIn'],
): Promise<{ report: ValidationReport; failures: ExpectationFailure[] }> {
  const { profile } = session;
  const claims = tokenClaims(outcome.token.accessToken);
  const expectations = mergeExpectations(profile.expectations, options.expectations);
  const { failures, unchecked } = checkExpectations(claims, expectations);
  if (unchecked) context.reporter.warn(unchecked);
  const report: ValidationReport = {
    profile: profile.name,
    endpoint: request.endpoint.href,
    credentialSentTo: request.endpoint.hostname,
    authMethod: request.authMethod,
    status: outcome.status,
    latencyMs: outcome.elapsedMs,
    attempts: outcome.attempts,
    tokenType: outcome.token.tokenType,
    expiresIn: outcome.token.expiresIn ?? null,
    expiresAt: outcome.token.expiresAt?.toISOString() ?? null,
    claims: keyClaims(claims),
    expectations: { ...expectations, failures },
    requestIds: outcome.requestIds,
    warnings,
    ...(signIn ? { signIn } : {}),
  };
  if (failures.length === 0) {
    // Re-read under the lock: a configure that ran meanwhile must not be undone by this write.
    await withProfileWriteLock(context.layout, profile.name, async () => {
      const current = await session.repo.read(profile.name);
      await session.repo.write({ ...current, lastValidatedAt: context.now().toISOString() });
    }, context.env);
  }
  return { report, failures };
}

/**
 * A sign-in profile has no token without a user: validate checks its sign-in endpoints (discovery
 * included), then renews the access token with the stored refresh token, under the profile's lock as
 * `token` does. Nobody signed in is exit 9, after the endpoints were checked.
 */
async function validateSignIn(first: ProfileSession, open: () => Promise<ProfileSession>, options: ValidateFlowOptions, context: AppContext, warnings: string[]): Promise<ValidateResult> {
  const name = first.profile.name;
  if (options.curl) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, `--curl shows a client-credentials request, but profile ${name} gets its tokens from a user's sign-in`, {
      hint: `Leave out --curl: tokenctl validate -p ${name} checks the sign-in endpoints and renews the token with the stored refresh token.`,
    });
  }
  checkProfilePaths(first.profile, first.settings, context.cwd);
  const { signInSetup, storedSignIn } = await import('./login.js');
  const { needEndpoint } = await import('./signin-endpoints.js');
  const setup = await signInSetup(first, {}, context);
  const grant = first.settings.grant === 'device_code' ? 'device_code' : 'authorization_code';
  const signInEndpoint = grant === 'device_code' ? needEndpoint(setup.endpoints, 'deviceAuthorization', 'device authorization') : needEndpoint(setup.endpoints, 'authorization', 'authorization');
  context.reporter.detail(`sign-in goes through ${signInEndpoint.href}`);
  const { loginRequired, refreshUserToken } = await import('./user-token.js');
  const { session, outcome, record } = await withProfileWriteLock(context.layout, name, async () => {
    const session = await open();
    const { stored, record } = await storedSignIn(session);
    if (!stored) throw loginRequired(name, `its endpoints answer (users sign in at ${signInEndpoint.href}), but nobody has signed in with it, so there is no token to validate`);
    return { session, outcome: await refreshUserToken(session, {}, context), record };
  });
  const authMethod = setup.request({ kind: 'refresh_token', form: [] }).authMethod;
  const signIn = { grant, signInEndpoint: signInEndpoint.href, signedInAt: record?.signedInAt ?? '', user: record?.user ?? null };
  const { report, failures } = await reportOutcome(session, outcome, { endpoint: setup.endpoints.endpoint.tokenUrl, authMethod }, options, context, warnings, signIn);
  return { report, failures, destination: `the refresh token of ${authMethod === 'none' ? 'public ' : ''}client ${session.settings.clientId ?? ''} to ${setup.endpoints.endpoint.tokenUrl.hostname}` };
}
