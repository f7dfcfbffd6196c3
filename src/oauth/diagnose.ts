import type { AuthMethod } from '../choices.js';
import { Code, type CodeWithExit, type ExitCode } from '../codes.js';

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

/** What an identity provider's refusal means: a catalogue code and the next step. */
export interface Diagnosis {
  code: CodeWithExit<typeof ExitCode.idpRejected>;
  hint?: string;
}

/** The fix for each Entra ID error code a machine client meets in practice. */
function entraDiagnosis(code: number, context: RequestContext): Diagnosis | undefined {
  switch (code) {
    case 7000215:
      return { code: Code.CLIENT_SECRET_INVALID, hint: context.secretLooksLikeGuid
        ? 'The secret sent looks like a GUID: that is the secret\'s ID. Send its Value instead (shown once, when the secret was created under Certificates & secrets).'
        : 'The client secret is wrong. Send the secret\'s Value (shown once when it was created), not its Secret ID; if it is lost, create a new secret under Certificates & secrets.' };
    case 7000222:
      return { code: Code.CLIENT_SECRET_EXPIRED, hint: 'The client secret has expired. Create a new one under Certificates & secrets in the app registration, then use the new value.' };
    case 700016:
      return { code: Code.CLIENT_NOT_FOUND, hint: `No application with client ID ${context.clientId} exists in this tenant. Check --client-id (the Application (client) ID), --tenant, and the cloud (--cloud): an app registered in another tenant or cloud is not found here.` };
    case 90002:
      return { code: Code.TENANT_NOT_FOUND, hint: `Tenant ${context.tenant ?? '(none given)'} was not found. Check --tenant (the Directory (tenant) ID, or a verified domain) and the cloud: --cloud usgov or china for those clouds.` };
    case 50049:
      return { code: Code.CLOUD_MISMATCH, hint: 'Entra ID does not know this authority for the tenant: the cloud is wrong. Check --cloud (public, usgov, china) or --authority-host.' };
    case 70011:
    case 1002012:
    case 700022:
      return { code: Code.SCOPE_INVALID, hint: ONE_DEFAULT_SCOPE };
    case 500011:
      return { code: Code.RESOURCE_NOT_FOUND, hint: 'The API (resource) is not known in this tenant: check the Application ID URI under Expose an API, and that an admin has granted consent so the API\'s service principal exists in this tenant.' };
    case 700027:
      return { code: Code.CERTIFICATE_NOT_REGISTERED, hint: `The certificate assertion was rejected: upload this certificate${context.thumbprint ? ` (thumbprint ${context.thumbprint})` : ''} under Certificates & secrets, check --thumbprint, and use --send-x5c if the app trusts certificates by subject name and issuer.` };
    case 700024:
      return { code: Code.ASSERTION_TIME_INVALID, hint: "The client assertion is outside its validity window: check this machine's clock (tokenctl signs a fresh assertion for every request), or lower --assertion-lifetime." };
    case 7000112:
      return { code: Code.CLIENT_DISABLED, hint: 'The application is disabled in this tenant: an admin must enable the enterprise application (Properties, Enabled for users to sign in).' };
    case 7000218:
      return { code: Code.CREDENTIAL_NOT_SENT, hint: 'No credential was sent: give a client secret (TOKENCTL_CLIENT_SECRET, --client-secret-stdin, --client-secret-file) or a certificate (--certificate).' };
    case 7000229:
      return { code: Code.SERVICE_PRINCIPAL_MISSING, hint: 'The app has no service principal in this tenant: an admin must add the enterprise application or grant consent.' };
    case 53003:
      return { code: Code.CONDITIONAL_ACCESS_BLOCKED, hint: 'A Conditional Access policy blocked the request: ask an admin which workload-identity policy applies to this app.' };
    case 900144:
      return { code: Code.PARAMETER_MISSING, hint: 'A required parameter is missing from the request; --verbose shows what was sent.' };
    case 900023:
      return { code: Code.TENANT_MALFORMED, hint: 'The tenant is malformed: give the Directory (tenant) ID (a GUID) or a verified domain with --tenant.' };
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

/** What an OAuth error response (RFC 6749 §5.2) means, Entra's AADSTS codes first. */
export function diagnoseOAuthError(error: string, aadsts: number | undefined, context: RequestContext): Diagnosis {
  const entra = aadsts === undefined ? undefined : entraDiagnosis(aadsts, context);
  if (entra) return entra;
  switch (error) {
    case 'invalid_client':
      return { code: Code.CLIENT_AUTH_FAILED, hint: otherMethodHint(context) };
    case 'invalid_scope':
      return {
        code: Code.SCOPE_INVALID,
        hint: context.provider === 'entra' ? ONE_DEFAULT_SCOPE : 'The server does not allow this scope for this client: check --scope against what the client is registered for.',
      };
    case 'invalid_target':
      return { code: Code.RESOURCE_NOT_FOUND, hint: 'The server does not know the requested resource or audience: check --resource / --audience.' };
    case 'unauthorized_client':
      return { code: Code.GRANT_NOT_ALLOWED, hint: 'This client may not use the client_credentials grant: enable it for the client on the server.' };
    case 'unsupported_grant_type':
      return { code: Code.GRANT_NOT_ALLOWED, hint: 'The endpoint does not accept the client_credentials grant: check that --token-url is the token endpoint.' };
    case 'invalid_grant':
      return { code: Code.GRANT_INVALID, hint: 'The server refused the grant: for a federated assertion (--client-assertion-file), check that the token in the file is current and trusted by the app.' };
    case 'temporarily_unavailable':
      return { code: Code.IDP_REJECTED, hint: 'The server is temporarily unavailable: try again later.' };
    default:
      return { code: Code.IDP_REJECTED };
  }
}
