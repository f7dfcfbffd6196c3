import type { Answers, Interviewer } from '../app/configure.js';
import { Code, UsageError, type CliError, type SecretStoreError } from '../errors.js';
import { escapeControl } from '../escape.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { checkTenant } from '../oauth/endpoint.js';
import { credentialKind, isUserGrant, type RequestSettings } from '../oauth/settings.js';
import type { Profile } from '../profiles/profile.js';
import type { Io } from './io.js';
import { ask } from './prompts.js';

/** A value configure asks for; each has its own question, asked first or again after a failure. */
type Field = 'endpoint' | 'clientId' | 'resource' | 'scopes' | 'credential' | 'authMethod';

/** The questions of an interactive configure, on the terminal of `io`. */
export function terminalInterviewer(io: Io): Interviewer {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  return {
    async offerFileStore(problem: SecretStoreError) {
      const c = io.stderr.color;
      say(`${c.yellow('!')} ${escapeControl(problem.message)}`);
      return ask((p) =>
        p.confirm({ message: "Keep this profile's secrets in the encrypted file store instead? (a passphrase protects them; no keychain needed)", default: true }, { output: process.stderr }),
      );
    },
    interview: (settings, existing, options) => interview(settings, existing, options),
    async fix(failure: CliError, settings: RequestSettings, canKeepSecret: boolean) {
      const c = io.stderr.color;
      say(`${c.red.bold('error')} ${escapeControl(failure.message)}`);
      if (failure.hint) say(`${c.cyan('hint')}  ${escapeControl(failure.hint)}`);
      const fields = fieldsOf(settings);
      const likely = likelyField(failure, settings);
      const choice = await ask((p) =>
        p.select<Field | 'give-up'>({
          message: 'Change a value and try again',
          choices: [...fields.map((field) => ({ name: `${FIELD_NAMES[field](settings)}${field === likely ? ' (most likely)' : ''}`, value: field })), { name: 'Give up: save nothing', value: 'give-up' as const }],
          default: likely,
        }),
      );
      if (choice === 'give-up') return undefined;
      const result: Answers = { settings: { ...settings } };
      // "Client secret" asks for the secret itself, not again which kind of credential.
      await askField(choice, result, { review: choice !== 'credential', canKeepSecret });
      return result;
    },
  };
}

const FIELD_NAMES: Record<Field, (s: RequestSettings) => string> = {
  endpoint: (s) => (s.tenant ? 'Identity provider and tenant' : 'Identity provider and token URL'),
  clientId: () => 'Client ID',
  resource: () => 'API to call (resource)',
  scopes: () => 'Scopes',
  credential: (s) => (credentialKind(s) === 'certificate' ? 'Certificate' : 'Client secret'),
  authMethod: () => 'How the client secret is sent',
};

/** The values that shape this profile's request, in the order they are asked. */
function fieldsOf(s: RequestSettings): Field[] {
  const entra = Boolean(s.tenant);
  return ['endpoint', 'clientId', entra ? 'resource' : 'scopes', 'credential', ...(!entra && credentialKind(s) === 'secret' ? ['authMethod' as const] : [])];
}

/** Which value a failure most likely points at, from its catalogue code. */
function likelyField(failure: CliError, s: RequestSettings): Field {
  switch (failure.entry) {
    case Code.CLIENT_AUTH_FAILED:
    case Code.CLIENT_SECRET_INVALID:
    case Code.CLIENT_SECRET_EXPIRED:
    case Code.CREDENTIAL_NOT_SENT:
    case Code.CERTIFICATE_NOT_REGISTERED:
      return 'credential';
    case Code.CLIENT_NOT_FOUND:
    case Code.CLIENT_DISABLED:
    case Code.SERVICE_PRINCIPAL_MISSING:
    case Code.GRANT_NOT_ALLOWED:
      return 'clientId';
    case Code.SCOPE_INVALID:
    case Code.RESOURCE_NOT_FOUND:
      return s.tenant ? 'resource' : 'scopes';
    default:
      return failure.entry.code.startsWith('CERTIFICATE_') || failure.entry === Code.PRIVATE_KEY_INVALID ? 'credential' : 'endpoint';
  }
}

/** Asks for what is missing; with `review`, every value with the current one as default. Only on a terminal. */
async function interview(settings: RequestSettings, existing: Profile | undefined, options: { hasNewSecret: boolean; review: boolean; canKeepSecret: boolean }): Promise<Answers> {
  const result: Answers = { settings: { ...settings } };
  const s = result.settings;
  const { review } = options;
  if (review || (!s.tenant && !s.tokenUrl && !s.issuer)) await askField('endpoint', result, options);
  if (review || !s.clientId) await askField('clientId', result, options);
  const isEntra = Boolean(s.tenant);
  // A user's sign-in asks for scopes (openid, User.Read…), not for one API's RESOURCE/.default.
  if (isEntra && !isUserGrant(s) && (review || (!s.resources?.length && !s.scopes?.length))) await askField('resource', result, options);
  if (credentialKind(s) === 'secret' && !options.hasNewSecret) await askField('credential', result, { ...options, review: review || !options.canKeepSecret });
  if (!isEntra && (review || (!s.scopes?.length && !existing))) await askField('scopes', result, options);
  if (!isEntra && credentialKind(s) === 'secret' && (review || !s.authMethod)) await askField('authMethod', result, options);
  return result;
}

/** One question (or the few that make up one value), the current value as default; fills `result`. */
async function askField(field: Field, result: Answers, options: { review: boolean; canKeepSecret: boolean }): Promise<void> {
  const s = result.settings;
  switch (field) {
    case 'endpoint': {
      const provider = await ask((p) =>
        p.select({
          message: 'Identity provider',
          choices: [
            { name: 'Microsoft Entra ID', value: 'entra' },
            { name: 'Another OAuth 2.0 / OpenID server', value: 'generic' },
          ],
          default: s.tokenUrl || s.issuer ? 'generic' : 'entra',
        }),
      );
      if (provider === 'entra') {
        s.tenant = (
          await ask((p) => p.input({ message: 'Tenant (Directory ID or domain, e.g. contoso.onmicrosoft.com)', default: s.tenant, validate: (v) => attempt(() => checkTenant(v)) }))
        ).trim();
        delete s.tokenUrl;
        delete s.issuer;
      } else {
        const url = (await ask((p) => p.input({ message: 'Token URL, or the issuer URL to discover it', default: s.tokenUrl ?? s.issuer, validate: (v) => attempt(() => parseEndpointUrl(v.trim(), 'the URL')) }))).trim();
        const kind = await ask((p) =>
          p.select({
            message: 'That URL is',
            choices: [
              { name: 'the token endpoint', value: 'token' },
              { name: 'the issuer (discover the token endpoint)', value: 'issuer' },
            ],
            default: s.issuer && !s.tokenUrl ? 'issuer' : 'token',
          }),
        );
        delete s.tenant;
        delete s.tokenUrl;
        delete s.issuer;
        if (kind === 'token') s.tokenUrl = url;
        else s.issuer = url;
      }
      return;
    }
    case 'clientId':
      s.clientId = (await ask((p) => p.input({ message: 'Client ID', default: s.clientId, validate: (v) => (v.trim() ? true : 'The client ID must not be blank.') }))).trim();
      return;
    case 'resource': {
      const resource = await ask((p) =>
        p.input({ message: 'API to call (Application ID URI, e.g. api://…, or https://graph.microsoft.com)', default: s.resources?.[0], validate: (v) => (v.trim() ? true : 'Entra ID needs the API the token is for.') }),
      );
      s.resources = [resource.trim()];
      delete s.scopes;
      return;
    }
    case 'scopes': {
      const scopes = (await ask((p) => p.input({ message: 'Scopes, space-separated (empty if the server needs none)', default: s.scopes?.join(' ') }))).trim();
      if (scopes) s.scopes = [scopes];
      else delete s.scopes;
      return;
    }
    case 'credential': {
      const keep = options.canKeepSecret;
      const choice = !options.review
        ? credentialKind(s) === 'certificate'
          ? 'certificate'
          : 'secret'
        : await ask((p) =>
            p.select({
              message: 'The client proves itself with',
              choices: [
                ...(isUserGrant(s) ? [{ name: 'nothing: a public client (a CLI or desktop app; PKCE protects the sign-in)', value: 'none' }] : []),
                { name: 'a client secret', value: 'secret' },
                { name: 'a certificate', value: 'certificate' },
              ],
              default: credentialKind(s) === 'certificate' ? 'certificate' : 'secret',
            }),
          );
      if (choice === 'none') {
        s.authMethod = 'none';
        delete s.certificatePath;
        delete s.privateKeyPath;
        delete result.clientSecret;
      } else if (choice === 'certificate') {
        s.certificatePath = (await ask((p) => p.input({ message: 'Certificate file (PEM or .pfx/.p12)', default: s.certificatePath, validate: (v) => (v.trim() ? true : 'Give a path.') }))).trim();
        const password = await ask((p) => p.password({ message: 'Certificate password (empty if none)', mask: '*' }));
        if (password) result.certificatePassword = password;
        delete result.clientSecret;
      } else {
        delete s.certificatePath;
        delete s.privateKeyPath;
        const secret = await ask((p) =>
          p.password({ message: keep ? 'Client secret (empty keeps the stored one)' : 'Client secret', mask: '*', validate: (v) => (keep || v.trim() ? true : 'The secret must not be blank.') }),
        );
        if (secret) result.clientSecret = secret;
      }
      return;
    }
    case 'authMethod':
      s.authMethod = await ask((p) =>
        p.select({
          message: 'Send the client secret',
          choices: [
            { name: 'with HTTP Basic authentication (client_secret_basic, the usual default)', value: 'client_secret_basic' as const },
            { name: 'in the request body (client_secret_post)', value: 'client_secret_post' as const },
          ],
          default: s.authMethod === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
        }),
      );
      return;
  }
}

/** For inquirer's validate: true, or the error's message and hint. */
function attempt(check: () => unknown): true | string {
  try {
    check();
    return true;
  } catch (error) {
    return error instanceof UsageError ? `${error.message}${error.hint ? `. ${error.hint}` : ''}` : String(error);
  }
}
