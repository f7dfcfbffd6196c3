/**
 * The catalogue of stable error codes: every code tokenctl can report, with the exit status it
 * carries and what it means. Scripts and tickets key on these names; the README's table is
 * checked against this list. Add a code here (with its meaning) before throwing it.
 */

/** Exit statuses of tokenctl: documented in the README and `tokenctl --help`. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  profileNotFound: 3,
  secretStore: 4,
  idpRejected: 5,
  network: 6,
  checkFailed: 7,
  lock: 8,
  loginRequired: 9,
  commandNotExecutable: 126,
  commandNotFound: 127,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const usage = ExitCode.usage;
const profileNotFound = ExitCode.profileNotFound;
const secretStore = ExitCode.secretStore;
const rejected = ExitCode.idpRejected;
const network = ExitCode.network;
const check = ExitCode.checkFailed;
const lock = ExitCode.lock;
const login = ExitCode.loginRequired;

/** One catalogue entry: pass it to an error's constructor. */
export interface CodeEntry<E extends ExitCode = ExitCode> {
  readonly code: string;
  readonly exitCode: E;
  readonly meaning: string;
}

type Catalogue<T extends Record<string, readonly [ExitCode, string]>> = {
  readonly [K in keyof T & string]: { readonly code: K; readonly exitCode: T[K][0]; readonly meaning: string };
};

function catalogue<const T extends Record<string, readonly [ExitCode, string]>>(entries: T): Catalogue<T> {
  return Object.fromEntries(Object.entries(entries).map(([code, [exitCode, meaning]]) => [code, Object.freeze({ code, exitCode, meaning })])) as Catalogue<T>;
}

export const Code = catalogue({
  // Usage and input (exit 2)
  USAGE: [usage, 'The command line could not be parsed.'],
  NO_COMMAND: [usage, 'No command was given.'],
  UNKNOWN_COMMAND: [usage, 'The command does not exist.'],
  UNKNOWN_OPTION: [usage, 'An option the command does not have.'],
  MISSING_ARGUMENT: [usage, 'A required argument is missing.'],
  OPTION_MISSING_ARGUMENT: [usage, 'An option was given without its value.'],
  EXCESS_ARGUMENTS: [usage, 'More arguments than the command takes.'],
  INVALID_ARGUMENT: [usage, 'An option value is not one of the allowed values or has the wrong form.'],
  CONFLICTING_OPTIONS: [usage, 'Two options that cannot be combined were given together.'],
  CONFLICTING_CREDENTIALS: [usage, 'More than one credential (secret, certificate, assertion) was given.'],
  CREDENTIAL_MISSING: [usage, 'No client credential was given and none is stored.'],
  CLIENT_ID_MISSING: [usage, 'No client ID was given.'],
  SECRET_ON_COMMAND_LINE: [usage, 'A secret was given as a command-line value; it is only read from the environment, stdin or a file.'],
  SECRET_BLANK: [usage, 'The client secret given is empty or only whitespace.'],
  SECRET_TOO_LARGE: [usage, 'The secret typed or piped in is larger than any real secret.'],
  CONFIRMATION_REQUIRED: [usage, 'A destructive command needs --yes when there is no terminal to confirm on.'],
  DATE_INVALID: [usage, 'A date option is not a valid date.'],
  KEYCHAIN_TIMEOUT_INVALID: [usage, 'TOKENCTL_KEYCHAIN_TIMEOUT is not a number of seconds within bounds.'],
  FILE_UNREADABLE: [usage, 'A file named on the command line cannot be read.'],
  FILE_NOT_REGULAR: [usage, 'A file named by an option, a profile or the environment is a FIFO, a device or a directory: only regular files are read.'],
  FILE_TOO_LARGE: [usage, 'A file named by an option, a profile or the environment is larger than such a file ever is (a secret 64 KiB, a certificate 1 MiB, a CA bundle 4 MiB).'],
  FILE_NOT_JSON: [usage, 'A file that must hold JSON does not.'],
  INVALID_URL: [usage, 'A URL option is not a valid URL.'],
  HOST_NOT_ALLOWED: [usage, 'A token, discovery or proxy host outside TOKENCTL_ALLOWED_HOSTS: refused before anything was sent.'],
  ALLOWED_HOSTS_INVALID: [usage, 'TOKENCTL_ALLOWED_HOSTS is not a comma-separated list of host names.'],
  ASSERTION_FILE_INVALID: [usage, 'The federated token file does not hold a compact JWS of at most 16 KiB: it was not sent.'],
  INSECURE_URL: [usage, 'A plain-http URL whose host is not this machine (a loopback address, or a name that resolves only to loopback).'],
  UNSUPPORTED_URL_SCHEME: [usage, 'A URL whose scheme is neither https nor http.'],
  URL_WITH_CREDENTIALS: [usage, 'A URL with a user name or password in it.'],
  PROXY_CREDENTIALS_ON_COMMAND_LINE: [usage, 'Proxy credentials were given in --proxy; they belong in HTTPS_PROXY.'],
  SECRET_COMMAND_INVALID: [usage, 'A --client-secret-command or --certificate-password-command is empty or cannot be split into words (an unclosed quote).'],
  SECRET_COMMAND_UNTRUSTED: [usage, "A profile's stored secret command was not run: its file is not one tokenctl trusts (a symlink, another user's, or open to others)."],
  CA_FILE_UNREADABLE: [usage, 'The --ca-file cannot be read.'],
  CA_FILE_INVALID: [usage, 'The --ca-file holds no PEM certificate.'],
  NO_ENDPOINT: [usage, 'No token endpoint: neither --tenant, --token-url nor --issuer was given.'],
  TENANT_INVALID: [usage, 'The --tenant value is not a tenant ID, a domain, or a known alias.'],
  TENANT_NOT_ALLOWED: [usage, 'A tenant alias (common, organizations, consumers) cannot issue client-credentials tokens.'],
  ISSUER_UNKNOWN: [usage, 'The issuer is needed (for an assertion audience) but not known.'],
  ENTRA_SCOPE_MISSING: [usage, 'An Entra ID request without --resource or --scope.'],
  ENTRA_SCOPE_MULTIPLE: [usage, 'More than one resource or scope for Entra ID client credentials (AADSTS70011).'],
  ENTRA_SCOPE_NOT_DEFAULT: [usage, 'An Entra ID scope that is a permission, not RESOURCE/.default (AADSTS1002012).'],
  RESOURCE_IS_PERMISSION: [usage, 'An Entra ID --resource that names a permission (api://…/Some.Permission), not the API.'],
  ENTRA_AUDIENCE: [usage, '--audience was given for Entra ID, which takes --resource instead.'],
  CONFIG_DIR_RELATIVE: [usage, 'TOKENCTL_CONFIG_DIR is a relative path; it must be absolute.'],
  STDIN_TIMEOUT: [usage, 'Nothing complete arrived on stdin (a secret line, a git request) within --timeout.'],
  SECRET_IN_ARGUMENT: [usage, 'A credential given as a command-line value (--param client_secret=…, a URL with password=… in its query): refused before anything is sent.'],
  PARAM_RESERVED: [usage, 'An extra --param would override a parameter tokenctl sets itself.'],
  AUTH_METHOD_MISMATCH: [usage, 'The --auth-method does not fit the credential given.'],
  TIMEOUT_INVALID: [usage, 'The timeout (--timeout or the profile\'s timeoutSeconds) is not a whole number of seconds from 1 to 3600.'],
  ENV_NAME_INVALID: [usage, 'exec --env names something that is not an environment variable name.'],
  ENV_FIELD_UNKNOWN: [usage, 'exec --env VAR=FIELD names a field the token does not have.'],
  ENV_NAME_REPEATED: [usage, 'exec --env names the same variable twice.'],
  EXEC_INFO_INVALID: [usage, 'KUBERNETES_EXEC_INFO (set by kubectl) is not an ExecCredential.'],
  GIT_CREDENTIAL_INTERACTIVE: [usage, 'git-credential was run on a terminal; git runs it and writes the request on stdin.'],
  GIT_CREDENTIAL_INPUT_TOO_LARGE: [usage, 'git-credential got more on stdin than a request from git.'],
  GIT_USERNAME_INVALID: [usage, 'The git-credential --username holds a line break or NUL.'],
  EXEC_CREDENTIAL_VERSION_UNSUPPORTED: [usage, 'kubectl asks for an ExecCredential apiVersion other than v1 or v1beta1.'],
  ASSERTION_LIFETIME_INVALID: [usage, 'The --assertion-lifetime is out of range.'],
  ASSERTION_FILE_EMPTY: [usage, 'The federated client assertion file is empty.'],
  THUMBPRINT_INVALID: [usage, 'The --thumbprint is not a SHA-1 or SHA-256 hex fingerprint.'],
  THUMBPRINT_MISMATCH: [usage, "The certificate's thumbprint differs from the one expected."],
  THUMBPRINT_WITHOUT_CERTIFICATE: [usage, '--thumbprint was given without a certificate.'],
  CERTIFICATE_NOT_FOUND: [usage, 'The certificate file does not exist.'],
  CERTIFICATE_INVALID: [usage, 'The certificate file is not a PEM, DER or PKCS#12 certificate.'],
  CERTIFICATE_JKS: [usage, 'A Java keystore tokenctl cannot read (JCEKS, BKS), which must be converted to PKCS#12 first.'],
  CERTIFICATE_JKS_UNSUPPORTED: [usage, 'A JKS key entry protected in a way that cannot be read.'],
  CERTIFICATE_PKCS12_UNSUPPORTED: [usage, 'A PKCS#12 file using an algorithm that cannot be read.'],
  CERTIFICATE_PASSWORD: [usage, 'The PKCS#12 or JKS store password is missing or wrong.'],
  CERTIFICATE_KEY_PASSWORD: [usage, "The PKCS#12 or JKS key's own password is missing or wrong."],
  CERTIFICATE_KEY_PASSPHRASE: [usage, "The PEM private key's passphrase is missing or wrong."],
  CERTIFICATE_KEY_ENCRYPTED: [usage, 'The private key is encrypted in a form that cannot be opened.'],
  CERTIFICATE_NO_KEY: [usage, 'The certificate comes without its private key.'],
  CERTIFICATE_STORE_NO_KEY: [usage, 'The keystore holds no private key.'],
  CERTIFICATE_SEVERAL_KEYS: [usage, 'The file holds several private keys.'],
  CERTIFICATE_ALIAS_REQUIRED: [usage, 'The keystore holds several entries: choose one with --certificate-alias.'],
  CERTIFICATE_ALIAS_UNKNOWN: [usage, 'No keystore entry has the --certificate-alias given.'],
  CERTIFICATE_KEY_MISMATCH: [usage, 'The private key does not belong to the certificate.'],
  CERTIFICATE_EXPIRED: [usage, 'The certificate has expired.'],
  CERTIFICATE_NOT_YET_VALID: [usage, 'The certificate is not valid yet.'],
  PRIVATE_KEY_INVALID: [usage, 'The private key cannot be read.'],
  PROFILE_NAME_INVALID: [usage, 'A profile name with characters that are not allowed.'],
  PROFILE_FILE_INVALID: [usage, 'A profile file that is not a valid profile.'],
  PROFILE_FILE_UNREADABLE: [usage, 'A profile file that cannot be read.'],
  PROFILE_FILE_UNWRITABLE: [usage, 'A profile file that cannot be written.'],
  PROFILE_FILE_SYMLINK: [usage, 'A profile file that is a symbolic link.'],
  PROFILE_FILE_INSECURE: [usage, 'A profile file readable by other users.'],
  DIR_INSECURE: [usage, 'A secrets, cache or locks directory writable by other users.'],
  PROFILE_DIR_INSECURE: [usage, 'A profiles directory writable or readable by other users.'],
  PROFILE_SCHEMA_UNSUPPORTED: [usage, 'A profile file written by a newer tokenctl.'],
  PROFILE_RELATIVE_PATH: [usage, 'A profile holds a relative file path, which depends on the directory tokenctl runs in.'],
  PROFILE_SECRET_FIELD: [usage, 'A profile file with a secret in it; secrets live in the secret store.'],
  NO_TOKEN: [usage, 'decode was given no token.'],
  EMPTY_TOKEN: [usage, 'The input holds no token.'],
  INPUT_TOO_LARGE: [usage, 'The input is larger than any token.'],
  OPAQUE_TOKEN: [usage, 'An opaque (reference) token: it is not a JWT and cannot be decoded.'],
  JWT_TRUNCATED: [usage, 'The token was shortened (… or ...) or cut: parts of it are missing.'],
  TOKEN_IS_A_FILE: [usage, 'decode was given the path of an existing file as the token: use --file PATH or @PATH.'],
  JWT_ENCRYPTED: [usage, 'An encrypted token (JWE), which only its audience can read.'],
  JWT_SEGMENT_COUNT: [usage, 'The token does not have the three segments of a JWT.'],
  JWT_EMPTY_SEGMENT: [usage, 'A segment of the token is empty.'],
  JWT_BAD_BASE64URL: [usage, 'A segment of the token is not base64url.'],
  JWT_NOT_UTF8: [usage, 'A segment of the token is not UTF-8 text.'],
  JWT_NOT_JSON: [usage, 'A segment of the token is not JSON.'],
  JWT_NOT_OBJECT: [usage, 'A segment of the token is JSON but not an object.'],
  KEY_INVALID: [usage, 'The --key given cannot be read as a public key.'],
  JWKS_FILE_INVALID: [usage, 'The --jwks file is not a JWKS.'],
  ISSUER_NOT_FETCHABLE: [usage, 'The token\'s iss has a query or fragment, so its keys are not discovered: nothing is fetched.'],
  NO_ISSUER: [usage, 'Signature verification (or discover) needs an issuer or a key, and none is known.'],
  PROFILE_NOT_SIGN_IN: [usage, 'A user sign-in command (login, logout) on a client-credentials profile.'],
  PUBLIC_CLIENT_CREDENTIALS: [usage, 'A public client (no credential) with the client-credentials grant, which needs one.'],
  ENDPOINT_NOT_ADVERTISED: [usage, "The issuer's metadata does not name an endpoint the command needs."],
  ENDPOINT_UNKNOWN: [usage, 'An endpoint the command needs is neither given nor discoverable (Entra ID has no revocation or introspection).'],
  REDIRECT_PORT_IN_USE: [usage, 'The loopback port for the sign-in redirect is taken or not allowed.'],
  TOKEN_MISSING: [usage, 'introspect, revoke or userinfo was given no token and no profile to take one from.'],
  ID_TOKEN_UNVERIFIABLE: [usage, 'An ID token is asked for (openid) or arrived, but the issuer and its keys to verify it are not known.'],

  // Profiles (exit 3)
  PROFILE_NOT_FOUND: [profileNotFound, 'There is no profile with that name.'],

  // Secret store (exit 4)
  SECRET_MISSING: [secretStore, "The profile's secret is not in the secret store."],
  SECRET_STORE_UNAVAILABLE: [secretStore, 'The OS keychain module cannot be loaded.'],
  SECRET_STORE_NO_DBUS: [secretStore, 'No D-Bus session bus, so no Secret Service.'],
  SECRET_STORE_NO_SERVICE: [secretStore, 'No Secret Service provider on the D-Bus session.'],
  SECRET_STORE_LOCKED: [secretStore, 'The keychain is locked (or has no default keyring yet) and no unlock prompt could be shown or was answered.'],
  SECRET_STORE_ACCESS_DENIED: [secretStore, 'The keychain refused tokenctl access (a D-Bus policy, KeePassXC, a macOS or Windows access rule).'],
  SECRET_STORE_TIMEOUT: [secretStore, 'The keychain (its D-Bus session bus, its Secret Service, or a prompt) did not answer within TOKENCTL_KEYCHAIN_TIMEOUT.'],
  SECRET_STORE_ERROR: [secretStore, 'The keychain failed for another reason.'],
  SECRET_FILE_PASSPHRASE_MISSING: [secretStore, 'The file store needs TOKENCTL_PASSPHRASE (or a terminal to ask on).'],
  SECRET_FILE_DECRYPT: [secretStore, 'The file store cannot be decrypted: wrong passphrase or a damaged file.'],
  SECRET_FILE_OTHER_PROFILE: [secretStore, 'A secret file that belongs to another profile (copied or renamed): its secrets are not used.'],
  SECRET_FILE_PASSPHRASE_MISMATCH: [usage, 'The two passphrases typed for a new file store differ.'],
  SECRET_FILE_INVALID: [secretStore, 'A secret file that is not in the expected format.'],
  SECRET_FILE_VERSION: [secretStore, 'A secret file written by a newer tokenctl.'],
  SECRET_FILE_UNREADABLE: [secretStore, 'A secret file that cannot be read.'],
  SECRET_FILE_UNWRITABLE: [secretStore, 'A secret file that cannot be written.'],
  SECRET_COMMAND_FAILED: [secretStore, 'The secret command failed (a non-zero exit or a signal): the message ends with the last line of its stderr.'],
  SECRET_COMMAND_NOT_FOUND: [secretStore, 'The secret command was not found or cannot be run (no shell is used: PATH is searched for the program as written).'],
  SECRET_COMMAND_TIMEOUT: [secretStore, 'The secret command did not finish within --timeout (default 30 s) and was killed with everything it started.'],
  SECRET_COMMAND_EMPTY: [secretStore, 'The secret command succeeded but printed nothing (or only whitespace) on stdout.'],
  SECRET_COMMAND_OUTPUT_TOO_LARGE: [secretStore, 'The secret command printed more than 64 KiB on stdout: not a secret alone.'],

  // The identity provider refused (exit 5): one code per diagnosis
  IDP_REJECTED: [rejected, 'The identity provider refused the request for a reason without a more specific diagnosis.'],
  CLIENT_AUTH_FAILED: [rejected, 'The server did not accept the client credentials: wrong secret, or the wrong way of sending it.'],
  CLIENT_SECRET_INVALID: [rejected, 'The client secret is wrong (Entra AADSTS7000215): often the secret ID was sent instead of its value.'],
  CLIENT_SECRET_EXPIRED: [rejected, 'The client secret has expired (Entra AADSTS7000222).'],
  CLIENT_NOT_FOUND: [rejected, 'No client with this ID exists where the request was sent (Entra AADSTS700016).'],
  CLIENT_DISABLED: [rejected, 'The client is disabled on the server (Entra AADSTS7000112).'],
  SERVICE_PRINCIPAL_MISSING: [rejected, 'The application has no service principal in the tenant (Entra AADSTS7000229).'],
  CREDENTIAL_NOT_SENT: [rejected, 'The server received no client credential (Entra AADSTS7000218).'],
  CERTIFICATE_NOT_REGISTERED: [rejected, 'The signing certificate or key is not registered for the client (Entra AADSTS700027).'],
  ASSERTION_TIME_INVALID: [rejected, 'The client assertion is outside its validity window: clock skew (Entra AADSTS700024).'],
  TENANT_NOT_FOUND: [rejected, 'The tenant, realm or authorization server named in the URL does not exist (Entra AADSTS90002, Keycloak realm, Okta authorization server).'],
  TENANT_MALFORMED: [rejected, 'The tenant in the URL is malformed or missing (Entra AADSTS900023, 50059).'],
  CLOUD_MISMATCH: [rejected, 'The request went to another Entra cloud than the app\'s (AADSTS50049, 900382): choose --cloud.'],
  SCOPE_INVALID: [rejected, 'The scope is not one the server allows for this client (invalid_scope; Entra AADSTS70011, 1002012, 700022).'],
  RESOURCE_NOT_FOUND: [rejected, 'The API (resource or audience) is not known to the server (Entra AADSTS500011; invalid_target).'],
  GRANT_NOT_ALLOWED: [rejected, 'The client is not allowed the client-credentials grant: it must be enabled for the client (unauthorized_client, unsupported_grant_type, Keycloak service accounts).'],
  GRANT_INVALID: [rejected, 'The server refused the grant, e.g. a federated assertion it does not trust (invalid_grant).'],
  CONDITIONAL_ACCESS_BLOCKED: [rejected, 'A Conditional Access policy blocked the request (Entra AADSTS53003).'],
  CLIENT_AUTH_METHOD_WRONG: [rejected, 'The client is registered for another way of authenticating (client_secret_basic, client_secret_post, private_key_jwt).'],
  CLIENT_IS_PUBLIC: [rejected, 'The client is a public client, which cannot use client credentials (Keycloak, Entra AADSTS700025).'],
  CLIENT_ASSERTION_INVALID: [rejected, 'The client assertion (certificate or federated token) was not accepted: audience, issuer or subject is wrong.'],
  RESOURCE_PARAMETER_UNSUPPORTED: [rejected, 'The v1 resource parameter was sent to the Entra v2.0 endpoint (AADSTS901002): use scope RESOURCE/.default.'],
  AUDIENCE_REQUIRED: [rejected, 'The server needs an audience (the API) and none was sent (Auth0).'],
  API_ACCESS_NOT_GRANTED: [rejected, 'The client has not been granted access to the API (Auth0 client grant; Entra AADSTS501051).'],
  SCOPE_REQUIRED: [rejected, 'The server needs a scope and none was sent or configured as default (Okta custom authorization servers).'],
  ACCESS_DENIED: [rejected, 'A policy or rule on the server denied this client the token (access_denied; Okta access policies).'],
  TOKEN_ENDPOINT_WRONG: [rejected, 'The URL is not a token endpoint: 404/405, or an API asking for a Bearer token.'],
  PARAMETER_MISSING: [rejected, 'The server says a required parameter is missing (Entra AADSTS900144).'],
  REDIRECT_URI_MISMATCH: [rejected, 'The redirect URI is not registered for the client (Entra AADSTS50011; invalid_request about redirect_uri).'],
  CONSENT_REQUIRED: [rejected, 'Nobody has consented to the permissions the client asks for (Entra AADSTS65001; consent_required).'],
  PKCE_MISMATCH: [rejected, 'The PKCE code verifier does not match the authorization request (Entra AADSTS501481, 50148).'],
  SIGN_IN_CANCELLED: [rejected, 'The user cancelled or declined the sign-in (access_denied; Entra AADSTS65004).'],
  INTERACTION_REQUIRED: [rejected, 'The server needs the user to sign in interactively (login_required, interaction_required).'],
  PUBLIC_CLIENT_SECRET_SENT: [rejected, 'A secret was sent for a client registered as public (Entra AADSTS700025).'],
  CODE_INVALID: [rejected, 'The authorization code expired, was used already, or belongs to another client (invalid_grant; Entra AADSTS54005, 70008).'],
  DEVICE_CODE_EXPIRED: [rejected, 'The device code expired before the user entered it (expired_token; Entra AADSTS70020).'],
  ACCOUNT_NOT_IN_TENANT: [rejected, 'The account signed in with is not a member or guest of the tenant (Entra AADSTS50020, 90072): sign in with another account, or invite it.'],

  // Network and unusable answers (exit 6)
  NETWORK_ERROR: [network, 'The server could not be reached.'],
  TIMEOUT: [network, 'No answer within --timeout.'],
  TLS_ERROR: [network, 'The TLS connection failed: an untrusted or wrong certificate, or a protocol error.'],
  PROXY_ERROR: [network, 'The proxy refused or failed the connection.'],
  PROXY_AUTH_REQUIRED: [network, 'The proxy wants credentials (HTTP 407): they go in HTTPS_PROXY=http://user:pass@host:port, never on the command line.'],
  UNEXPECTED_REDIRECT: [network, 'The server answered with a redirect, which tokenctl never follows on a token request.'],
  RESPONSE_TOO_LARGE: [network, 'The answer is larger than any token response.'],
  RESPONSE_NOT_JSON: [network, 'A successful answer that is not JSON.'],
  HTTP_ERROR: [network, 'A metadata or key request failed with an HTTP error.'],
  UNUSABLE_RESPONSE: [network, 'An error answer that is not an OAuth error response.'],
  SERVER_ERROR: [network, 'The server failed (HTTP 5xx) and did not recover within the retries.'],
  RATE_LIMITED: [network, 'The server kept rate-limiting (HTTP 429) through the retries.'],
  ACCESS_TOKEN_MISSING: [network, 'A successful answer without an access_token.'],
  ACCESS_TOKEN_INVALID: [network, 'An access_token that is empty or not a string.'],
  ACCESS_TOKEN_MALFORMED: [network, 'An access_token with characters outside the RFC 6750 token68 set (a newline, an escape), or longer than 64 KiB: refused, never printed.'],
  TOKEN_CONTAINS_SECRET: [network, 'The access token contains a secret read on this run (the client secret, a passphrase): refused, never printed nor passed on.'],
  TOKEN_TYPE_UNSUPPORTED: [network, 'The token is not a Bearer token (e.g. DPoP).'],
  EXPIRES_IN_INVALID: [network, 'The answer has an unusable expires_in.'],
  DISCOVERY_NOT_FOUND: [network, 'No OpenID or OAuth metadata at the issuer.'],
  DISCOVERY_INVALID: [network, 'The issuer metadata is not usable.'],
  DISCOVERY_ISSUER_MISMATCH: [network, 'The issuer metadata names a different issuer.'],
  JWKS_INVALID: [network, 'The JWKS fetched from the issuer is not a JWKS.'],
  TOKEN_RESPONSE_INVALID: [network, 'A refresh_token or id_token in the answer is empty or not a string.'],
  DEVICE_RESPONSE_INVALID: [network, 'The device authorization answer lacks a usable device code, user code, URI or time.'],
  INTROSPECTION_INVALID: [network, 'The introspection answer is not an RFC 7662 response.'],
  INTROSPECTION_UNAUTHORIZED: [network, 'The introspection endpoint refused the client without an OAuth error.'],
  USERINFO_INVALID: [network, 'The userinfo answer is not a JSON object with sub.'],
  USERINFO_SIGNED: [network, 'The userinfo answer is a signed or encrypted JWT, which tokenctl does not read.'],
  USERINFO_TOKEN_REFUSED: [network, 'The userinfo endpoint refused the access token (invalid_token).'],
  USERINFO_INSUFFICIENT_SCOPE: [network, 'The access token lacks the scope userinfo needs (insufficient_scope).'],
  LOGIN_TIMEOUT: [network, 'The sign-in was not completed within --timeout.'],
  LOOPBACK_FAILED: [network, 'The loopback listener for the sign-in redirect could not start.'],

  // Checks the user asked for (exit 7)
  EXPECTATION_FAILED: [check, 'The token does not meet an expectation (--expect-*).'],
  CLAIM_MISSING: [check, 'The claim asked for with --claim is not in the token.'],
  TOKEN_EXPIRED: [check, 'The token has expired (--require-valid).'],
  TOKEN_NOT_YET_VALID: [check, 'The token is not valid yet (--require-valid).'],
  SIGNATURE_INVALID: [check, 'The signature does not verify.'],
  SIGNATURE_UNVERIFIABLE: [check, 'The signature cannot be checked with the keys available.'],
  NO_MATCHING_KEY: [check, 'No key in the JWKS matches the token.'],
  ISSUER_MISMATCH: [check, 'The token was issued by someone other than the expected issuer.'],
  DOCTOR_PROBLEMS: [check, 'doctor found problems.'],
  NO_PASSPHRASE: [check, 'doctor: the file store has no passphrase available.'],
  DISCOVERY_CHECK_FAILED: [check, 'discover: a check of the metadata failed (https, issuer, required fields, PKCE).'],
  STATE_MISMATCH: [check, 'The sign-in callback carries another state: another attempt, or forged.'],
  CALLBACK_INVALID: [check, 'The sign-in callback has neither code nor error, or repeats a parameter.'],
  CALLBACK_ISSUER_MISMATCH: [check, 'The sign-in callback names another issuer (RFC 9207 mix-up).'],
  ID_TOKEN_SIGNATURE: [check, "The ID token's signature does not verify with the issuer's keys, or uses an algorithm not accepted."],
  ID_TOKEN_ISSUER: [check, 'The ID token comes from another issuer.'],
  ID_TOKEN_AUDIENCE: [check, 'The ID token was issued to another client (aud, azp).'],
  ID_TOKEN_NONCE: [check, "The ID token's nonce is not the one this sign-in sent: a replay."],
  ID_TOKEN_EXPIRED: [check, 'The ID token has expired.'],
  ID_TOKEN_INVALID: [check, 'The ID token is not a valid signed JWT with the claims OpenID Connect requires.'],

  // The profile lock (exit 8)
  LOCK_TIMEOUT: [lock, 'Another tokenctl held the profile lock past its own recorded bound, and it could not be taken over.'],
  LOCK_FAILED: [lock, 'The profile lock could not be taken: the locks directory cannot be used.'],

  // A user must sign in again (exit 9)
  LOGIN_REQUIRED: [login, "A sign-in profile has no usable token left (never signed in, logged out, or the refresh token is dead): run tokenctl login."],

  // exec could not start its command (exit 126, 127, as shells report it)
  COMMAND_NOT_EXECUTABLE: [ExitCode.commandNotExecutable, 'exec: the command exists but cannot be run (permission denied).'],
  COMMAND_FAILED_TO_START: [ExitCode.commandNotExecutable, 'exec: the command could not be started.'],
  COMMAND_NOT_FOUND: [ExitCode.commandNotFound, 'exec: there is no such command.'],

  // Interrupted (exit 130), and bugs (exit 1)
  INTERRUPTED: [ExitCode.interrupted, 'Ctrl-C at a prompt, or a signal while a secret command ran; nothing was written.'],
  INTERNAL: [ExitCode.internal, 'A bug in tokenctl; --verbose shows the stack.'],
});

export type CodeName = keyof typeof Code;

/** The catalogue entries whose exit status is `E`: an error class accepts only those. */
export type CodeWithExit<E extends ExitCode> = { [K in CodeName]: (typeof Code)[K]['exitCode'] extends E ? (typeof Code)[K] : never }[CodeName];

export type UsageCode = CodeWithExit<typeof ExitCode.usage>;

export function isCodeName(name: string): name is CodeName {
  return Object.hasOwn(Code, name);
}
