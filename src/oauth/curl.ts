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

  const secretRef = `"$${SECRET_ENV}"`;
  if (credential.kind === 'secret') {
    comments.push(`# Set the client secret first, without echoing it: read -rs ${SECRET_ENV} && export ${SECRET_ENV}`);
    if (request.authMethod === 'client_secret_post') {
      args.push(`--data-urlencode ${shellQuote(`client_id=${clientId}`)}`, `--data-urlencode "client_secret=$${SECRET_ENV}"`);
    } else if (basicSafe(clientId) && basicSafe(credential.secret)) {
      args.push(`-u ${shellQuote(`${clientId}:`)}${secretRef}`);
    } else {
      comments.push('# HTTP Basic needs the id and secret form-urlencoded first (RFC 6749 2.3.1); python3 does that here.');
      const encode = `python3 -c 'import os,sys,urllib.parse as u;print(u.quote_plus(sys.argv[1])+":"+u.quote_plus(os.environ["${SECRET_ENV}"]),end="")' ${shellQuote(clientId)}`;
      args.push(`-H "Authorization: Basic $(${encode} | base64 | tr -d '\\n')"`);
    }
  } else {
    args.push(`--data-urlencode ${shellQuote(`client_id=${clientId}`)}`, `--data-urlencode ${shellQuote(`client_assertion_type=${JWT_BEARER_ASSERTION}`)}`);
    if (credential.kind === 'federated') {
      args.push(`--data-urlencode "client_assertion=$(cat ${shellQuote(credential.path)})"`);
    } else {
      comments.push(
        `# CLIENT_ASSERTION must be a fresh JWT signed with the certificate's key (${request.assertion.algorithm}, header ${request.assertion.algorithm === 'PS256' ? 'x5t#S256' : 'x5t'} ${request.assertion.algorithm === 'PS256' ? credential.certificate.x5tS256 : credential.certificate.x5t}),`,
        `# with iss = sub = ${clientId}, aud = ${request.assertion.audience}, a unique jti and exp at most ${request.assertion.lifetimeSeconds} s ahead.`,
      );
      args.push(`--data-urlencode "client_assertion=$CLIENT_ASSERTION"`);
    }
  }
  return `${[...comments, args.join(' \\\n  ')].join('\n')}\n`;
}
