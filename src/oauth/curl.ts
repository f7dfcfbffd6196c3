import { JWT_BEARER_ASSERTION } from './client-auth.js';
import { SECRET_ENV } from './credential.js';
import type { TokenRequest } from './request.js';

export const shellQuote = (value: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/** What HTTP Basic's form-urlencoding (RFC 6749 §2.3.1) leaves unchanged: curl's -u sends it raw. */
const basicSafe = (value: string) => /^[A-Za-z0-9*._-]*$/.test(value);

/**
 * An equivalent curl command for a token request, to reproduce a failure outside tokenctl. Secrets
 * stay out of it: the client secret is a reference to an environment variable, an assertion a
 * placeholder or the file it comes from.
 */
export function curlCommand(request: TokenRequest, transport: { caFile?: string | undefined; proxy?: string | undefined }): string {
  const { credential, clientId } = request;
  const comments: string[] = [];
  const args: string[] = ['curl -sS -X POST', shellQuote(request.endpoint.tokenUrl.href), `-H 'Accept: application/json'`];
  if (transport.caFile) args.push(`--cacert ${shellQuote(transport.caFile)}`);
  if (transport.proxy) args.push(`--proxy ${shellQuote(transport.proxy)}`);
  for (const [name, value] of request.form) args.push(`--data-urlencode ${shellQuote(`${name}=${value}`)}`);

  // The secret never becomes an argument of curl (or of anything but the shell's own printf builtin,
  // which starts no process): curl reads it from a file descriptor, where the process list cannot.
  const secretVar = `"$${SECRET_ENV}"`;
  if (credential.kind === 'none') {
    args.push(`--data-urlencode ${shellQuote(`client_id=${clientId}`)}`);
  } else if (credential.kind === 'secret') {
    comments.push(
      `# Set the client secret first, without echoing it: read -rs ${SECRET_ENV} && export ${SECRET_ENV}`,
      '# Run it in bash or zsh: <( ) hands the secret to curl through a file descriptor, never on its command line.',
    );
    if (request.authMethod === 'client_secret_post') {
      args.push(`--data-urlencode ${shellQuote(`client_id=${clientId}`)}`, `--data-urlencode client_secret@<(printf %s ${secretVar})`);
    } else if (basicSafe(clientId) && basicSafe(credential.secret)) {
      // -u would put the secret on curl's command line; a header file does not.
      args.push(`-H @<(printf 'Authorization: Basic %s\\n' "$(printf '%s:%s' ${shellQuote(clientId)} ${secretVar} | base64 | tr -d '\\n')")`);
    } else {
      comments.push('# HTTP Basic needs the id and secret form-urlencoded first (RFC 6749 2.3.1); python3 does that here, reading the secret from its environment.');
      const encode = `python3 -c 'import os,sys,urllib.parse as u;print(u.quote_plus(sys.argv[1])+":"+u.quote_plus(os.environ["${SECRET_ENV}"]),end="")' ${shellQuote(clientId)}`;
      args.push(`-H @<(printf 'Authorization: Basic %s\\n' "$(${encode} | base64 | tr -d '\\n')")`);
    }
  } else {
    args.push(`--data-urlencode ${shellQuote(`client_id=${clientId}`)}`, `--data-urlencode ${shellQuote(`client_assertion_type=${JWT_BEARER_ASSERTION}`)}`);
    if (credential.kind === 'federated') {
      args.push(`--data-urlencode client_assertion@<(tr -d '\\n' < ${shellQuote(credential.path)})`);
    } else {
      comments.push(
        `# CLIENT_ASSERTION must be a fresh JWT signed with the certificate's key (${request.assertion.algorithm}, header ${request.assertion.algorithm === 'PS256' ? 'x5t#S256' : 'x5t'} ${request.assertion.algorithm === 'PS256' ? credential.certificate.x5tS256 : credential.certificate.x5t}),`,
        `# with iss = sub = ${clientId}, aud = ${request.assertion.audience}, a unique jti and exp at most ${request.assertion.lifetimeSeconds} s ahead.`,
      );
      args.push(`--data-urlencode client_assertion@<(printf %s "$CLIENT_ASSERTION")`);
    }
  }
  return `${[...comments, args.join(' \\\n  ')].join('\n')}\n`;
}
