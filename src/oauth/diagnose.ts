import type { AuthMethod } from '../choices.js';
import { Code, type CodeWithExit, type ExitCode } from '../codes.js';
import { entraDiagnosis, ONE_DEFAULT_SCOPE } from './diagnose-entra.js';
import { AUTH_METHOD_PLACE, CLIENT_PLACE, detectVendor, ENABLE_GRANT, SCOPE_PLACE, SECRET_PLACE, TENANT_WORD, VENDOR_NAMES, type Vendor } from './diagnose-vendor.js';

/** What was asked, so a hint can name the flag to change. */
export interface RequestContext {
  provider: 'entra' | 'generic';
  tokenUrl: URL;
  authMethod: AuthMethod;
  tenant?: string | undefined;
  clientId: string;
  scope?: string | undefined;
  /** --resource values as sent (RFC 8707 `resource` for a generic server). */
  resources?: string[] | undefined;
  audience?: string | undefined;
  /** From discovery metadata, when known. */
  authMethodsSupported?: string[] | undefined;
  /** SHA-1 thumbprint of the certificate used, for certificate hints. */
  thumbprint?: string | undefined;
  /** The secret looks like a GUID: probably the secret's ID pasted instead of its value. */
  secretLooksLikeGuid?: boolean;
  /** The grant asked for; client_credentials when not said. */
  grant?: Grant | undefined;
  /** The redirect URI sent with an authorization code, for a redirect mismatch. */
  redirectUri?: string | undefined;
  /** The profile, so a hint can name the command to run. */
  profile?: string | undefined;
  /** No client secret or certificate was sent: a public client. */
  publicClient?: boolean | undefined;
}

export type Grant = 'client_credentials' | 'authorization_code' | 'refresh_token' | 'device_code';

/** An answer that refused the request, as data. */
export interface Refusal {
  status: number;
  /** The OAuth `error`, or the error field of a product's own JSON shape. */
  error?: string | undefined;
  /** The whole error_description. */
  description?: string | undefined;
  aadsts: number[];
  /** WWW-Authenticate of a 401. */
  challenge?: string | undefined;
  contentType?: string | undefined;
  json?: Record<string, unknown> | undefined;
}

/** What an identity provider's refusal means: a catalogue code and the next step. */
export interface Diagnosis {
  code: CodeWithExit<typeof ExitCode.idpRejected>;
  hint?: string;
}

/** Each class of mistake, recognised by the words products use for it (Keycloak, Okta, Auth0, Ping, Spring, …). */
const PATTERNS = {
  publicClient: /public client|client is public|not supported for public clients/i,
  grantNotAllowed:
    /not enabled to retrieve service account|service accounts? (is |are )?not enabled|grant[ _]type\b.*\bnot (allowed|authorized|enabled|supported)|not (authorized|allowed|permitted) to use (the provided|this) grant|unauthorized grant type|unsupported grant type|client_credentials\b.*\bnot (allowed|enabled|supported)|not authorized to request .*client.credentials|configured grant types/i,
  secretExpired: /secret\b.*\bexpired|expired\b.*\bsecret/i,
  disabled: /client\b.*\b(is )?disabled|disabled client|client\b.*\b(inactive|not active)|application\b.*\bis disabled/i,
  authMethod:
    /authentication method|client authenticator|token[_ ]endpoint[_ ]auth[_ ]method|is configured (for|to use)|unsupported (client )?authentication|client_secret_(basic|post) (is )?not (allowed|supported)|private_key_jwt|client_secret_jwt|signed jwt|authentication failed: authentication_method/i,
  secretWrong: /invalid client secret|client secret (supplied|provided)?.*\b(is )?(invalid|incorrect|wrong)|client_secret\b.*\binvalid|secret (does not|doesn't) match|bad client credentials|authentication failed: client_secret\b/i,
  clientUnknown: /client\b.*\b(not found|does not exist|unknown|not registered)|unknown client|invalid value for 'client_id'|no client (with|for)|authentication failed: client_id\b/i,
  tenantUnknown: /realm does not exist|realm\b.*\bnot found|tenant\b.*\bnot found|environment\b.*\bnot found|resource not found: .*\(authorizationserver\)/i,
  audienceMissing: /no audience|audience\b.*\b(is )?(required|missing|must be (provided|specified))|audience parameter/i,
  apiNotGranted: /client-grant|not authorized to access|not assigned to a role|no (client )?grant (for|to)/i,
  serviceNotFound: /service not found|service not enabled within domain|resource\b.*\bnot found|unknown (audience|resource)|invalid (audience|resource)|audience is invalid/i,
  scopesNotGranted: /not been granted (the |any )?scopes?|scopes?\b.*\b(has|have) not been granted|not granted (the )?scopes?/i,
  scopeRequired: /does not have any configured default scopes|'scope' must be provided|scope\b.*\b(is )?(required|missing)/i,
  policy: /policy evaluation failed|access policy|no matching polic|denied by polic/i,
  credentialsRejected: /invalid client credentials|invalid client or|client authentication failed|bad credentials|^\s*unauthorized\s*$|authentication failed/i,
};

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function hasMethodWords(text: string): AuthMethod | undefined {
  const named = /client_secret_basic|client_secret_post|private_key_jwt/.exec(text)?.[0] as AuthMethod | undefined;
  return named;
}

function otherMethodHint(context: RequestContext, vendor: Vendor): string {
  const supported = context.authMethodsSupported?.length ? ` The server advertises: ${context.authMethodsSupported.join(', ')}.` : '';
  const place = AUTH_METHOD_PLACE[vendor];
  switch (context.authMethod) {
    case 'client_secret_basic':
      return `Check the client ID and secret. If they are right, the server may expect them in the request body: try --auth-method client_secret_post.${supported}${place}`;
    case 'client_secret_post':
      return `Check the client ID and secret. If they are right, the server may expect HTTP Basic authentication: try --auth-method client_secret_basic.${supported}${place}`;
    case 'private_key_jwt':
      return `Check that the public key or certificate is registered for this client, and the assertion audience (--assertion-audience token-endpoint|issuer|URL).${supported}${place}`;
    case 'none':
      return `The client sent no credential: check the client ID, and whether the server registered it as a public client.${supported}${place}`;
  }
}

/** What the server wants instead of the method used, from its own words. */
function authMethodHint(refusal: Refusal, context: RequestContext, vendor: Vendor): string {
  const text = refusal.description ?? '';
  const named = hasMethodWords(text);
  const wanted = named && named !== context.authMethod ? named : undefined;
  const start = wanted
    ? `The client is registered for ${wanted}, but tokenctl used ${context.authMethod}: pass --auth-method ${wanted}${wanted === 'private_key_jwt' ? ' with --certificate (or --private-key)' : ''}, or change the client's method on the server.`
    : `The client is not registered for ${context.authMethod}: ${context.authMethod === 'private_key_jwt' ? 'register its key or certificate, or use a secret' : `try --auth-method ${context.authMethod === 'client_secret_basic' ? 'client_secret_post' : 'client_secret_basic'}`}, or change the client's method on the server.`;
  return `${start}${AUTH_METHOD_PLACE[vendor]}`;
}

function scopeHint(context: RequestContext, vendor: Vendor): string {
  if (vendor === 'entra') return ONE_DEFAULT_SCOPE;
  const asked = context.scope ? `The scope asked for was ${JSON.stringify(context.scope)}. ` : 'No scope was asked for (--scope). ';
  return `${asked}${SCOPE_PLACE[vendor]}`;
}

function audienceArgument(vendor: Vendor): string {
  return vendor === 'auth0' ? '--audience https://your-api-identifier (the API\'s Identifier under Applications > APIs)' : '--audience (or --resource) with the API\'s identifier';
}

/** The OAuth error and the description's words, matched against each class of mistake. */
function byWords(refusal: Refusal, context: RequestContext, vendor: Vendor): Diagnosis | undefined {
  // Okta's and PingOne's own error shapes put the words in errorSummary and message.
  const text = [refusal.description, refusal.json?.errorSummary, refusal.json?.message].filter((part) => typeof part === 'string').join(' ');
  const error = refusal.error ?? '';
  const name = VENDOR_NAMES[vendor];
  const Name = capitalized(name);
  if (PATTERNS.tenantUnknown.test(text) || PATTERNS.tenantUnknown.test(error)) {
    const word = TENANT_WORD[vendor];
    return {
      code: Code.TENANT_NOT_FOUND,
      hint: `The ${word} named in the token URL (${context.tokenUrl.pathname}) does not exist on ${context.tokenUrl.host}: check its spelling and case${vendor === 'okta' ? ' (default, or the ID of a custom authorization server under Security > API)' : ''}, or use --issuer to discover the right token URL.`,
    };
  }
  if (PATTERNS.publicClient.test(text)) {
    return { code: Code.CLIENT_IS_PUBLIC, hint: `The client is a public client, which has no credentials and cannot use client credentials. Make it confidential on the server.${vendor === 'keycloak' ? ' In Keycloak: Clients > (the client) > Settings > Client authentication: On, and Service accounts roles: On.' : ''}` };
  }
  if (PATTERNS.grantNotAllowed.test(text)) return { code: Code.GRANT_NOT_ALLOWED, hint: `The client is not allowed the client-credentials grant on ${name}: it must be enabled for the client. ${ENABLE_GRANT[vendor]}` };
  if (PATTERNS.secretExpired.test(text)) return { code: Code.CLIENT_SECRET_EXPIRED, hint: `The client secret has expired. ${SECRET_PLACE[vendor]}` };
  if (PATTERNS.disabled.test(text)) return { code: Code.CLIENT_DISABLED, hint: `The client is disabled on ${name}: an administrator must enable it.` };
  if (PATTERNS.authMethod.test(text) && (error === 'invalid_client' || error === 'unauthorized_client' || error === 'invalid_request')) {
    return { code: Code.CLIENT_AUTH_METHOD_WRONG, hint: authMethodHint(refusal, context, vendor) };
  }
  if (PATTERNS.secretWrong.test(text)) return { code: Code.CLIENT_SECRET_INVALID, hint: `The client secret is wrong. ${SECRET_PLACE[vendor]}` };
  if (PATTERNS.clientUnknown.test(text)) {
    return { code: Code.CLIENT_NOT_FOUND, hint: `${Name} knows no client ${context.clientId}${vendor === 'keycloak' ? ' in this realm' : ''}: check --client-id against ${CLIENT_PLACE[vendor]}, and that the token URL is the right ${TENANT_WORD[vendor]}.` };
  }
  if (PATTERNS.credentialsRejected.test(text)) {
    return {
      code: Code.CLIENT_AUTH_FAILED,
      hint: `${Name} did not accept the client ID and secret: check --client-id against ${CLIENT_PLACE[vendor]}. ${SECRET_PLACE[vendor]} ${otherMethodHint(context, vendor).replace(/^Check the client ID and secret\. /, '')}`,
    };
  }
  if (PATTERNS.audienceMissing.test(text)) {
    return { code: Code.AUDIENCE_REQUIRED, hint: `${Name} needs to know which API the token is for: pass ${audienceArgument(vendor)}.` };
  }
  if (PATTERNS.scopesNotGranted.test(text)) {
    const scopes = /scopes?:\s*(.+)$/i.exec(text)?.[1]?.trim();
    const named = scopes ? ` (${scopes})` : context.scope ? ` (${context.scope})` : '';
    return {
      code: Code.SCOPE_INVALID,
      hint:
        vendor === 'auth0'
          ? `The application may use the API, but has not been granted the scopes asked for${named}: in the Auth0 dashboard, Applications > APIs > (the API) > Machine to Machine Applications, expand this application, select those permissions and Update; or leave them out of --scope.`
          : `The client has not been granted the scopes asked for${named}: grant them to the client on the server, or leave them out of --scope. ${SCOPE_PLACE[vendor]}`,
    };
  }
  if (PATTERNS.apiNotGranted.test(text)) {
    return {
      code: Code.API_ACCESS_NOT_GRANTED,
      hint:
        vendor === 'auth0'
          ? 'The application is not authorized for this API: in the Auth0 dashboard, Applications > APIs > (the API) > Machine to Machine Applications, authorize this application and select its permissions.'
          : 'The client has not been granted access to this API on the server: authorize the client for the API (and the permissions it needs).',
    };
  }
  if (PATTERNS.serviceNotFound.test(text) || error === 'invalid_target' || error === 'invalid_resource') {
    const sent = context.audience ?? context.resources?.join(', ');
    if (vendor === 'auth0') {
      return {
        code: Code.RESOURCE_NOT_FOUND,
        hint: `This Auth0 tenant has no API ${sent ? `with the identifier ${JSON.stringify(sent)}` : 'by that identifier'}: pass --audience with the API's Identifier exactly as Applications > APIs > (the API) > Settings shows it (scheme and trailing slash included), or create the API there. The audience is an identifier, not the API's URL, and it must belong to the tenant of the token URL.`,
      };
    }
    return { code: Code.RESOURCE_NOT_FOUND, hint: `${Name} knows no API ${sent ? JSON.stringify(sent) : 'by that identifier'}: check --audience / --resource against the API's identifier.` };
  }
  if (PATTERNS.scopeRequired.test(text)) {
    return {
      code: Code.SCOPE_REQUIRED,
      hint: `${Name} needs a scope for this client and none was sent or configured as default: pass --scope with a scope the client is granted. ${SCOPE_PLACE[vendor]}`,
    };
  }
  if (PATTERNS.policy.test(text)) {
    return {
      code: Code.ACCESS_DENIED,
      hint:
        vendor === 'okta'
          ? "No access policy rule of the authorization server lets this client have this token: in Okta, Security > API > Authorization Servers > (server) > Access Policies, add a policy assigned to this app with a rule allowing Client Credentials and the scopes asked for."
          : 'A policy on the server denies this client the token: ask its administrator which rule applies.',
    };
  }
  return undefined;
}

/** The fallback by OAuth error code (RFC 6749 §5.2) when no words were recognised. */
function byErrorCode(refusal: Refusal, context: RequestContext, vendor: Vendor): Diagnosis {
  switch (refusal.error) {
    case 'invalid_client':
      return { code: Code.CLIENT_AUTH_FAILED, hint: otherMethodHint(context, vendor) };
    case 'invalid_scope':
      return { code: Code.SCOPE_INVALID, hint: scopeHint(context, vendor) };
    case 'unauthorized_client':
      // Keycloak says unauthorized_client for a wrong secret too; those words were matched above.
      return { code: Code.GRANT_NOT_ALLOWED, hint: `The client is not allowed the client-credentials grant on ${VENDOR_NAMES[vendor]}: it must be enabled for the client. ${ENABLE_GRANT[vendor]}` };
    case 'unsupported_grant_type':
      return {
        code: Code.GRANT_NOT_ALLOWED,
        hint: `${capitalized(VENDOR_NAMES[vendor])} does not accept the client_credentials grant here: either the grant is not enabled (${ENABLE_GRANT[vendor]}) or the URL is not the token endpoint (check --token-url, or use --issuer to discover it).`,
      };
    case 'invalid_grant':
      return { code: Code.GRANT_INVALID, hint: 'The server refused the grant: for a federated assertion (--client-assertion-file), check that the token in the file is current and trusted by the app.' };
    case 'access_denied':
      return { code: Code.ACCESS_DENIED, hint: 'The server denied this client the token: check that the client is allowed this API and scope on the server.' };
    case 'temporarily_unavailable':
      return { code: Code.IDP_REJECTED, hint: 'The server is temporarily unavailable: try again later.' };
    default:
      return { code: Code.IDP_REJECTED, hint: unrecognisedHint(refusal, context, vendor) };
  }
}

/** The server's own words, on one line and of a readable length, to quote in a hint. */
function quoted(text: string, length = 300): string {
  const line = (text.split(/\r?\n/)[0] ?? '').replace(/[\r\n\v\f\u0085\u2028\u2029]+/g, ' ').trim();
  return JSON.stringify(line.length > length ? `${line.slice(0, length)}…` : line);
}

/**
 * The next step for a refusal no rule recognises: what the server said, what to check, and how to
 * see more. Every refusal gets a hint, this one when nothing more specific is known.
 */
function unrecognisedHint(refusal: Refusal, context: RequestContext, vendor: Vendor): string {
  const name = capitalized(VENDOR_NAMES[vendor]);
  const said = [refusal.error ? `error ${quoted(refusal.error, 100)}` : `HTTP ${refusal.status}`, refusal.description?.trim() ? `description ${quoted(refusal.description)}` : undefined].filter(Boolean).join(' and ');
  const lookUp = refusal.aadsts.length ? ` Look up AADSTS${refusal.aadsts[0]} at https://login.microsoftonline.com/error?code=${refusal.aadsts[0]}.` : '';
  const asked = [
    `the client ID (${context.clientId})`,
    context.publicClient ? undefined : `its credential and --auth-method (${context.authMethod})`,
    context.scope || context.resources?.length || context.audience ? 'the scope, resource or audience asked for' : 'whether the server needs a scope, resource or audience',
    `the token URL (${context.tokenUrl.host}${context.tokenUrl.pathname})`,
  ].filter(Boolean);
  return `${name} refused the request with ${said}, which tokenctl has no specific diagnosis for. Read what it names and check it against the client's registration on the server: ${asked.join(', ')}.${lookUp} Run the command again with -v (--verbose) to see the request sent and the whole answer, and quote the answer's trace or request ID (--json: traceId, correlationId, requestIds) to whoever runs ${context.tokenUrl.host}.`;
}

/** A 401 without an OAuth body: the WWW-Authenticate challenge says what the server wanted. */
function byChallenge(refusal: Refusal, context: RequestContext, vendor: Vendor): Diagnosis {
  const scheme = /^\s*([A-Za-z][\w-]*)/.exec(refusal.challenge ?? '')?.[1]?.toLowerCase();
  if (scheme === 'basic') {
    return {
      code: Code.CLIENT_AUTH_FAILED,
      hint:
        context.authMethod === 'client_secret_basic'
          ? `The server asks for HTTP Basic credentials and did not accept the client ID and secret sent that way: check them.${AUTH_METHOD_PLACE[vendor]}`
          : `The server asks for HTTP Basic credentials (WWW-Authenticate: Basic): try --auth-method client_secret_basic.${AUTH_METHOD_PLACE[vendor]}`,
    };
  }
  if (scheme === 'bearer') {
    return {
      code: Code.TOKEN_ENDPOINT_WRONG,
      hint: 'The URL asks for a Bearer token: it is an API protected by tokens, not a token endpoint. Use the token endpoint of the identity provider (--token-url), or --issuer to discover it.',
    };
  }
  return {
    code: Code.CLIENT_AUTH_FAILED,
    hint: `The server refused the client credentials and asks for ${scheme ? `"${scheme}"` : 'another kind of'} authentication: check --client-id, the secret, and --auth-method.`,
  };
}

/** What a refusal means: the catalogue code and the next step, in the terms of the product that answered. */
export function diagnoseRefusal(refusal: Refusal, context: RequestContext): Diagnosis {
  const diagnosis = diagnosisOf(refusal, context);
  if (diagnosis.hint) return diagnosis;
  // Every refusal gets a next step: without a specific one, what the server said and what to check.
  const vendor = context.provider === 'entra' ? 'entra' : detectVendor(context.tokenUrl, refusal);
  return { ...diagnosis, hint: unrecognisedHint(refusal, context, vendor) };
}

function diagnosisOf(refusal: Refusal, context: RequestContext): Diagnosis {
  // An AADSTS code says more than the OAuth error it comes with: the sign-in codes, then the others.
  const signIn = signInByAadsts(refusal, context);
  if (signIn) return signIn;
  for (const code of refusal.aadsts) {
    const entra = entraDiagnosis(code, context);
    if (entra) return entra;
  }
  const userGrant = signInByError(refusal, context);
  if (userGrant) return userGrant;
  const vendor = context.provider === 'entra' ? 'entra' : detectVendor(context.tokenUrl, refusal);
  if (refusal.error === undefined && refusal.status === 401) return byChallenge(refusal, context, vendor);
  if (refusal.error === undefined && (refusal.status === 404 || refusal.status === 405)) {
    const words = [refusal.description, refusal.json?.errorSummary, refusal.json?.message].filter((part) => typeof part === 'string').join(' ');
    const tenant = PATTERNS.tenantUnknown.test(words) ? byWords(refusal, context, vendor) : undefined;
    if (tenant) return tenant;
    // These products answer 404 for a realm, authorization server or environment that does not exist.
    if (refusal.status === 404 && (vendor === 'keycloak' || vendor === 'okta' || vendor === 'pingone')) {
      return {
        code: Code.TENANT_NOT_FOUND,
        hint: `${VENDOR_NAMES[vendor]} has no ${TENANT_WORD[vendor]} at ${context.tokenUrl.pathname}: check the ${TENANT_WORD[vendor]} in --token-url (spelling and case), or use --issuer to discover the right token URL.`,
      };
    }
    return {
      code: Code.TOKEN_ENDPOINT_WRONG,
      hint: `Nothing answers token requests at ${context.tokenUrl.href} (HTTP ${refusal.status}): check --token-url (${
        vendor === 'entra'
          ? 'https://login.microsoftonline.com/TENANT/oauth2/v2.0/token, or let --tenant build it'
          : 'for example …/realms/REALM/protocol/openid-connect/token on Keycloak, …/oauth2/default/v1/token on Okta, …/oauth/token on Auth0, …/as/token.oauth2 on PingFederate, …/oauth2/token on Spring Authorization Server'
      }), or give --issuer to discover it.`,
    };
  }
  if (refusal.error === 'invalid_scope' && vendor === 'entra') return { code: Code.SCOPE_INVALID, hint: ONE_DEFAULT_SCOPE };
  return byWords(refusal, context, vendor) ?? byErrorCode(refusal, context, vendor);
}

const loginCommand = (context: RequestContext) => `tokenctl login${context.profile ? ` -p ${context.profile}` : ''}`;
const configureCommand = (context: RequestContext) => `tokenctl configure${context.profile ? ` -p ${context.profile}` : ''}`;
const REDIRECT_WORDS = /redirect_uri|redirect uri/i;
const PKCE_WORDS = /code_verifier|code_challenge|pkce/i;

function redirectMismatch(context: RequestContext): Diagnosis {
  const sent = context.redirectUri ? ` tokenctl sent ${context.redirectUri}.` : '';
  return {
    code: Code.REDIRECT_URI_MISMATCH,
    hint:
      context.provider === 'entra'
        ? `The redirect URI is not registered for this app.${sent} In the app registration, under Authentication, add http://localhost to "Mobile and desktop applications" (any port is accepted there), or register the exact URI under "Web" and fix the port with tokenctl configure --redirect-port N.`
        : `The redirect URI is not registered for this client.${sent} Register it on the server exactly (scheme, host, port, path), or pin the port with tokenctl configure --redirect-port N (and --redirect-host localhost if the server wants that name).`,
  };
}

function pkceMismatch(context: RequestContext): Diagnosis {
  return {
    code: Code.PKCE_MISMATCH,
    hint: `The PKCE code verifier did not match the code challenge of the authorization request: the code belongs to another sign-in attempt. Run ${loginCommand(context)} again, and let one login finish before starting another.`,
  };
}

function signInAgain(code: Diagnosis['code'], context: RequestContext, what: string): Diagnosis {
  return { code, hint: `${what} Sign in again: ${loginCommand(context)}` };
}

/** The AADSTS codes of sign-in failures (a user grant, or an error only a sign-in meets). */
function signInByAadsts(refusal: Refusal, context: RequestContext): Diagnosis | undefined {
  const userGrant = context.grant !== undefined && context.grant !== 'client_credentials';
  for (const code of refusal.aadsts) {
    switch (code) {
      case 7000218:
        if (!userGrant) break;
        return {
          code: Code.CREDENTIAL_NOT_SENT,
          hint: `The app is a confidential client but no secret was sent. Either allow public client flows in the app registration (Authentication, "Allow public client flows": Yes), or give the profile a secret: ${configureCommand(context)} --client-secret-stdin.`,
        };
      case 700025:
        return {
          code: Code.PUBLIC_CLIENT_SECRET_SENT,
          hint: `The app is registered as a public client, so it must not send a secret or assertion. Remove the credential from the profile (${configureCommand(context)} --public-client), or register the app as a confidential (Web) client.`,
        };
      case 50011:
      case 500113:
        return redirectMismatch(context);
      case 65001:
        return {
          code: Code.CONSENT_REQUIRED,
          hint: 'Nobody has consented to this app\'s permissions yet. Sign in with --prompt consent to consent for yourself, or ask an admin to grant admin consent (app registration, API permissions, "Grant admin consent").',
        };
      case 65004:
        return signInAgain(Code.SIGN_IN_CANCELLED, context, 'The user declined to consent to the permissions the app asked for.');
      case 50148:
      case 501481:
        return pkceMismatch(context);
      case 54005:
        return signInAgain(Code.CODE_INVALID, context, 'The authorization code was already used: each code works once.');
      case 70008:
        return signInAgain(context.grant === 'refresh_token' ? Code.GRANT_INVALID : Code.CODE_INVALID, context, `The ${context.grant === 'refresh_token' ? 'refresh token' : 'authorization code'} has expired.`);
      case 700082:
        return signInAgain(Code.GRANT_INVALID, context, 'The refresh token expired after a long time without use.');
      case 50173:
      case 50078:
      case 50076:
      case 50079:
        return signInAgain(Code.INTERACTION_REQUIRED, context, 'The session needs a fresh sign-in (a password change, a revoked session, or multi-factor authentication the policy now requires).');
      case 9002327:
        return {
          code: Code.REDIRECT_URI_MISMATCH,
          hint: 'The app is registered as a single-page application, whose codes only a browser can redeem: add http://localhost under "Mobile and desktop applications" in Authentication instead.',
        };
      case 50020:
      case 90072:
        return {
          code: Code.ACCOUNT_NOT_IN_TENANT,
          hint: `The account used to sign in is neither a member nor a guest of this tenant${context.tenant ? ` (${context.tenant})` : ''}. Sign in with an account of the tenant (${loginCommand(context)} --prompt select_account), or ask an admin to invite the account as an external (guest) user. An app meant for accounts of any organization must be registered as multitenant and signed in to with --tenant organizations (or common for personal Microsoft accounts too).`,
        };
      case 50034:
        return signInAgain(Code.ACCOUNT_NOT_IN_TENANT, context, 'The user name entered does not exist in this tenant: check its spelling, or sign in with an account of the tenant.');
      case 50105:
        return {
          code: Code.ACCESS_DENIED,
          hint: 'The signed-in user is not assigned to this application, and the application requires assignment: an admin must assign the user (or a group of theirs) under Enterprise applications > (the app) > Users and groups, or turn off "Assignment required?" in its Properties.',
        };
      case 53000:
      case 53001:
      case 53002:
      case 53004:
        return {
          code: Code.CONDITIONAL_ACCESS_BLOCKED,
          hint: 'A Conditional Access policy requires more than this sign-in offers (a compliant or joined device, an approved app, or registering for multi-factor authentication): sign in from a device and browser the policy accepts, or ask an admin which policy applies (Sign-in logs show it).',
        };
      case 90094:
      case 90095:
        return {
          code: Code.CONSENT_REQUIRED,
          hint: 'The permissions this app asks for need an administrator\'s consent: ask an admin to grant admin consent (app registration, API permissions, "Grant admin consent"), or ask for fewer permissions.',
        };
      case 500021:
      case 500022:
        return {
          code: Code.ACCESS_DENIED,
          hint: 'Access to this tenant is denied by a tenant restriction (a proxy enforcing tenant restrictions, or cross-tenant access settings): use a network or account the restriction allows, or ask the administrators of both tenants.',
        };
      case 70016:
        return { code: Code.IDP_REJECTED, hint: 'The user has not entered the code yet.' };
      case 70019:
      case 70020:
        return signInAgain(Code.DEVICE_CODE_EXPIRED, context, 'The device code expired before the user entered it.');
    }
  }
  return undefined;
}

/** The OAuth errors of a user grant: access_denied and the rest mean other things to the client-credentials grant (Auth0, Okta). */
function signInByError(refusal: Refusal, context: RequestContext): Diagnosis | undefined {
  const userGrant = context.grant !== undefined && context.grant !== 'client_credentials';
  const description = refusal.description ?? '';
  if (!userGrant) return undefined;
  switch (refusal.error) {
    case 'consent_required':
      return { code: Code.CONSENT_REQUIRED, hint: `The user has not consented to this client's scopes. Run ${loginCommand(context)} --prompt consent.` };
    case 'login_required':
    case 'interaction_required':
    case 'account_selection_required':
      return { code: Code.INTERACTION_REQUIRED, hint: `The server needs the user to sign in interactively: run ${loginCommand(context)} without --prompt none.` };
    case 'access_denied':
    case 'authorization_declined':
      return signInAgain(Code.SIGN_IN_CANCELLED, context, 'The sign-in was cancelled or denied (by the user, or by a policy of the server).');
    case 'expired_token':
      return signInAgain(Code.DEVICE_CODE_EXPIRED, context, 'The device code expired before the user entered it.');
    case 'authorization_pending':
    case 'slow_down':
      return { code: Code.IDP_REJECTED };
  }
  switch (refusal.error) {
    case 'invalid_client':
      if (!context.publicClient) return undefined;
      return {
        code: Code.CREDENTIAL_NOT_SENT,
        hint: `The server expects this client to authenticate. Give the profile its secret (${configureCommand(context)} --client-secret-stdin), or register the client as public (token_endpoint_auth_method none).`,
      };
    case 'invalid_request':
      if (REDIRECT_WORDS.test(description)) return redirectMismatch(context);
      if (PKCE_WORDS.test(description)) return pkceMismatch(context);
      return undefined;
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return { code: Code.GRANT_NOT_ALLOWED, hint: `This client may not use the ${context.grant} grant: enable it for the client on the server.` };
    case 'invalid_grant':
      switch (context.grant) {
        case 'authorization_code':
          if (REDIRECT_WORDS.test(description)) return redirectMismatch(context);
          if (PKCE_WORDS.test(description)) return pkceMismatch(context);
          return signInAgain(Code.CODE_INVALID, context, 'The authorization code was refused: it expired, was already used, was issued for another client or redirect URI, or its PKCE verifier did not match (a code of another sign-in attempt).');
        case 'refresh_token':
          return signInAgain(Code.GRANT_INVALID, context, 'The refresh token is no longer valid: it expired, was revoked (logout, a password change, an admin), or was already used once and rotated.');
        default:
          return signInAgain(Code.DEVICE_CODE_EXPIRED, context, 'The device code is no longer valid.');
      }
    default:
      return undefined;
  }
}
