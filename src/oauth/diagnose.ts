import type { AuthMethod } from '../choices.js';

/** What was asked, so a hint can name the flag to change. */
export interface RequestContext {
  provider: 'entra' | 'generic';
  authMethod: AuthMethod;
  tenant?: string | undefined;
  clientId: string;
  scope?: string | undefined;
  /** From discovery metadata, when known. */
  authMethodsSupported?: string[] | undefined;
  /** SHA-1 thumbprint of the certificate used, for certificate hints. */
  thumbprint?: string | undefined;
  /** The secret looks like a GUID: probably the secret's ID pasted instead of its value. */
  secretLooksLikeGuid?: boolean;
}

const ONE_DEFAULT_SCOPE =
  'Client credentials take exactly one scope, RESOURCE/.default: pass the API with --resource (for example --resource api://<app-id>), not individual permissions. What the app may do comes from the API permissions an admin granted.';

/** The fix for each Entra ID error code a machine client meets in practice. */
function entraHint(code: number, context: RequestContext): string | undefined {
  switch (code) {
    case 7000215:
      return context.secretLooksLikeGuid
        ? 'The secret sent looks like a GUID: that is the secret\'s ID. Send its Value instead (shown once, when the secret was created under Certificates & secrets).'
        : 'The client secret is wrong. Send the secret\'s Value (shown once when it was created), not its Secret ID; if it is lost, create a new secret under Certificates & secrets.';
    case 7000222:
      return 'The client secret has expired. Create a new one under Certificates & secrets in the app registration, then use the new value.';
    case 700016:
      return `No application with client ID ${context.clientId} exists in this tenant. Check --client-id (the Application (client) ID), --tenant, and the cloud (--cloud): an app registered in another tenant or cloud is not found here.`;
    case 90002:
      return `Tenant ${context.tenant ?? '(none given)'} was not found. Check --tenant (the Directory (tenant) ID, or a verified domain) and the cloud: --cloud usgov or china for those clouds.`;
    case 50049:
      return 'Entra ID does not know this authority for the tenant: the cloud is wrong. Check --cloud (public, usgov, china) or --authority-host.';
    case 70011:
    case 1002012:
    case 700022:
      return ONE_DEFAULT_SCOPE;
    case 500011:
      return 'The API (resource) is not known in this tenant: check the Application ID URI under Expose an API, and that an admin has granted consent so the API\'s service principal exists in this tenant.';
    case 700027:
      return `The certificate assertion was rejected: upload this certificate${context.thumbprint ? ` (thumbprint ${context.thumbprint})` : ''} under Certificates & secrets, check --thumbprint, and use --send-x5c if the app trusts certificates by subject name and issuer.`;
    case 700024:
      return "The client assertion is outside its validity window: check this machine's clock (tokenctl signs a fresh assertion for every request), or lower --assertion-lifetime.";
    case 7000112:
      return 'The application is disabled in this tenant: an admin must enable the enterprise application (Properties, Enabled for users to sign in).';
    case 7000218:
      return 'No credential was sent: give a client secret (TOKENCTL_CLIENT_SECRET, --client-secret-stdin, --client-secret-file) or a certificate (--certificate).';
    case 7000229:
      return 'The app has no service principal in this tenant: an admin must add the enterprise application or grant consent.';
    case 53003:
      return 'A Conditional Access policy blocked the request: ask an admin which workload-identity policy applies to this app.';
    case 900144:
      return 'A required parameter is missing from the request; --verbose shows what was sent.';
    case 900023:
      return 'The tenant is malformed: give the Directory (tenant) ID (a GUID) or a verified domain with --tenant.';
    default:
      return undefined;
  }
}

function otherMethodHint(context: RequestContext): string {
  const supported = context.authMethodsSupported?.length ? ` The server advertises: ${context.authMethodsSupported.join(', ')}.` : '';
  switch (context.authMethod) {
    case 'client_secret_basic':
      return `Check the client ID and secret. If they are right, the server may expect them in the request body: try --auth-method client_secret_post.${supported}`;
    case 'client_secret_post':
      return `Check the client ID and secret. If they are right, the server may expect HTTP Basic authentication: try --auth-method client_secret_basic.${supported}`;
    case 'private_key_jwt':
      return `Check that the public key or certificate is registered for this client, and the assertion audience (--assertion-audience token-endpoint|issuer|URL).${supported}`;
  }
}

/** The next step for an OAuth error response (RFC 6749 §5.2), Entra's AADSTS codes first. */
export function diagnoseOAuthError(error: string, aadsts: number | undefined, context: RequestContext): string | undefined {
  if (aadsts !== undefined) {
    const hint = entraHint(aadsts, context);
    if (hint) return hint;
  }
  switch (error) {
    case 'invalid_client':
      return otherMethodHint(context);
    case 'invalid_scope':
      return context.provider === 'entra' ? ONE_DEFAULT_SCOPE : 'The server does not allow this scope for this client: check --scope against what the client is registered for.';
    case 'invalid_target':
      return 'The server does not know the requested resource or audience: check --resource / --audience.';
    case 'unauthorized_client':
      return 'This client may not use the client_credentials grant: enable it for the client on the server.';
    case 'unsupported_grant_type':
      return 'The endpoint does not accept the client_credentials grant: check that --token-url is the token endpoint.';
    case 'invalid_grant':
      return 'The server refused the grant: for a federated assertion (--client-assertion-file), check that the token in the file is current and trusted by the app.';
    case 'temporarily_unavailable':
      return 'The server is temporarily unavailable: try again later.';
    default:
      return undefined;
  }
}
