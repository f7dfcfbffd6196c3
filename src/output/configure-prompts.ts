import { UsageError } from '../errors.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { checkTenant } from '../oauth/endpoint.js';
import type { SecretValues } from '../oauth/credential.js';
import { credentialKind, type RequestSettings } from '../oauth/settings.js';
import type { Profile } from '../profiles/profile.js';
import { ask } from './prompts.js';

/** Asks for what is missing, with the existing profile's values as defaults. Only on a terminal. */
export async function promptForMissing(settings: RequestSettings, existing: Profile | undefined, hasNewSecret: boolean): Promise<{ settings: RequestSettings } & SecretValues> {
  const result: { settings: RequestSettings } & SecretValues = { settings: { ...settings } };
  const s = result.settings;
  if (!s.tenant && !s.tokenUrl && !s.issuer) {
    const provider = await ask((p) =>
      p.select({ message: 'Identity provider', choices: [{ name: 'Microsoft Entra ID', value: 'entra' }, { name: 'Another OAuth 2.0 / OpenID server', value: 'generic' }] }),
    );
    if (provider === 'entra') {
      s.tenant = await ask((p) => p.input({ message: 'Tenant (Directory ID or domain, e.g. contoso.onmicrosoft.com)', validate: (v) => attempt(() => checkTenant(v)) }));
    } else {
      const url = await ask((p) => p.input({ message: 'Token URL, or the issuer URL to discover it', validate: (v) => attempt(() => parseEndpointUrl(v.trim(), 'the URL')) }));
      const kind = await ask((p) =>
        p.select({ message: 'That URL is', choices: [{ name: 'the token endpoint', value: 'token' }, { name: 'the issuer (discover the token endpoint)', value: 'issuer' }] }),
      );
      if (kind === 'token') s.tokenUrl = url.trim();
      else s.issuer = url.trim();
    }
  }
  if (!s.clientId) {
    s.clientId = await ask((p) => p.input({ message: 'Client ID', validate: (v) => (v.trim() ? true : 'The client ID must not be blank.') }));
    s.clientId = s.clientId.trim();
  }
  const isEntra = Boolean(s.tenant);
  if (isEntra && !s.resources?.length && !s.scopes?.length) {
    const resource = await ask((p) => p.input({ message: 'API to call (Application ID URI, e.g. api://…, or https://graph.microsoft.com)', validate: (v) => (v.trim() ? true : 'Entra ID needs the API the token is for.') }));
    s.resources = [resource.trim()];
  }
  if (credentialKind(s) === 'secret' && !hasNewSecret) {
    const keepStored = existing?.credential === 'secret' && existing.secretAccounts.clientSecret;
    const choice = keepStored
      ? 'secret'
      : await ask((p) => p.select({ message: 'The client proves itself with', choices: [{ name: 'a client secret', value: 'secret' }, { name: 'a certificate', value: 'certificate' }] }));
    if (choice === 'certificate') {
      s.certificatePath = (await ask((p) => p.input({ message: 'Certificate file (PEM or .pfx/.p12)', validate: (v) => (v.trim() ? true : 'Give a path.') }))).trim();
      const password = await ask((p) => p.password({ message: 'Certificate password (empty if none)', mask: '*' }));
      if (password) result.certificatePassword = password;
    } else {
      const secret = await ask((p) =>
        p.password({ message: keepStored ? 'Client secret (empty keeps the stored one)' : 'Client secret', mask: '*', validate: (v) => (keepStored || v.trim() ? true : 'The secret must not be blank.') }),
      );
      if (secret) result.clientSecret = secret;
    }
  }
  if (!isEntra && !s.scopes?.length && !existing) {
    const scopes = await ask((p) => p.input({ message: 'Scopes, space-separated (empty if the server needs none)' }));
    if (scopes.trim()) s.scopes = [scopes.trim()];
  }
  if (!isEntra && credentialKind(s) === 'secret' && !s.authMethod) {
    s.authMethod = await ask((p) =>
      p.select({
        message: 'Send the client secret',
        choices: [
          { name: 'with HTTP Basic authentication (client_secret_basic, the usual default)', value: 'client_secret_basic' as const },
          { name: 'in the request body (client_secret_post)', value: 'client_secret_post' as const },
        ],
      }),
    );
  }
  return result;
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

