import { Code, UsageError } from './errors.js';

/**
 * Parameters that carry a credential. A value given for one on the command line sits in the shell's
 * history and in every process listing, so tokenctl refuses them in --param and in endpoint URLs,
 * whatever their case (servers differ in how they compare names).
 */
const SECRET_PARAMETERS = new Set([
  'client_secret', 'password', 'refresh_token', 'assertion', 'client_assertion', 'code_verifier', 'code', 'device_code',
  'subject_token', 'actor_token', 'access_token', 'id_token', 'token',
]);
/** Names that say what they hold, whatever the server calls them (app_secret, api_key, passwd). */
const SECRET_NAME = /secret|passw(or)?d|passphrase|api[-_]?key/i;

export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETERS.has(name.trim().toLowerCase()) || SECRET_NAME.test(name);
}

const SECRET_HINT = 'Give the client secret in TOKENCTL_CLIENT_SECRET, with --client-secret-stdin or --client-secret-file; a certificate with --certificate; a federated token with --client-assertion-file.';

/** Refuses a --param (or a profile's param) that carries a credential. */
export function refuseSecretParameter(name: string): void {
  if (!isSecretParameter(name)) return;
  throw new UsageError(Code.SECRET_IN_ARGUMENT, `--param ${name}=… would put a credential on the command line (shell history, process listings); nothing was sent`, { hint: SECRET_HINT });
}

/** Refuses an endpoint URL whose query carries a credential (client_secret=…, password=…). */
export function refuseSecretInUrl(url: URL, what: string): void {
  const names = [...new Set([...url.searchParams.keys(), ...new URLSearchParams(url.hash.slice(1)).keys()])].filter(isSecretParameter);
  if (names.length === 0) return;
  throw new UsageError(Code.SECRET_IN_ARGUMENT, `${what} carries ${names.join(', ')} in its query: a credential in a URL ends up in logs and process listings; nothing was sent`, { hint: `Remove it from the URL. ${SECRET_HINT}` });
}
