import { CLOUD_NAMES, CLOUDS, type Cloud } from '../choices.js';
import { Code } from '../codes.js';
import type { Diagnosis, RequestContext } from './diagnose.js';

export const ONE_DEFAULT_SCOPE =
  'Client credentials take exactly one scope, RESOURCE/.default: pass the API with --resource (for example --resource api://<app-id>), not individual permissions. What the app may do comes from the API permissions an admin granted.';

const CLOUD_LABELS: Record<Cloud, string> = { public: 'global Azure', usgov: 'Azure US Government', china: 'Azure China (21Vianet)' };

/** The clouds other than the one the request went to, as --cloud choices with their hosts. */
function otherClouds(tokenUrl: URL): string {
  const used = CLOUD_NAMES.find((cloud) => new URL(CLOUDS[cloud]).host === tokenUrl.host);
  return CLOUD_NAMES
    .filter((cloud) => cloud !== used)
    .map((cloud) => `--cloud ${cloud} (${CLOUD_LABELS[cloud]}, ${new URL(CLOUDS[cloud]).host})`)
    .join(' or ');
}

/** The tenant segment of an Entra token URL: https://login.microsoftonline.com/TENANT/oauth2/…/token. */
function tenantOf(context: RequestContext): string {
  return context.tenant ?? context.tokenUrl.pathname.split('/').filter(Boolean)[0] ?? '<tenant>';
}

function resourceArgument(context: RequestContext): string {
  const resource = context.resources?.[0] ?? context.audience;
  return resource ? resource.replace(/\/\.default$/, '') : '<Application ID URI>';
}

/** The diagnosis for each Entra ID error code a machine client meets in practice. */
export function entraDiagnosis(code: number, context: RequestContext): Diagnosis | undefined {
  switch (code) {
    case 7000215:
      return {
        code: Code.CLIENT_SECRET_INVALID,
        hint: context.secretLooksLikeGuid
          ? "The secret sent looks like a GUID: that is the secret's ID. Send its Value instead (shown once, when the secret was created under Certificates & secrets)."
          : "The client secret is wrong. Send the secret's Value (shown once when it was created), not its Secret ID; if it is lost, create a new secret under Certificates & secrets.",
      };
    case 7000222:
      return { code: Code.CLIENT_SECRET_EXPIRED, hint: 'The client secret has expired. Create a new one under Certificates & secrets in the app registration, then use the new value.' };
    case 700016:
      return {
        code: Code.CLIENT_NOT_FOUND,
        hint: `No application with client ID ${context.clientId} exists in this tenant. Check --client-id (the Application (client) ID), --tenant, and the cloud (--cloud): an app registered in another tenant or cloud is not found here.`,
      };
    case 70002:
      return { code: Code.CLIENT_NOT_FOUND, hint: `The client ${context.clientId} is not known to this tenant: use the Directory (tenant) ID where the app is registered with --tenant, not common or consumers.` };
    case 5000224:
      return {
        code: Code.TENANT_NOT_FOUND,
        hint: `Entra ID says the tenant ${tenantOf(context)} is not available (AADSTS5000224): it has been deleted or deactivated (decommissioned). Check that --tenant is the Directory (tenant) ID where the app is registered now (Overview of the app registration); if it is, the tenant's administrator must restore it.`,
      };
    case 90002:
      return {
        code: Code.TENANT_NOT_FOUND,
        hint: `Tenant ${tenantOf(context)} was not found. Check --tenant (the Directory (tenant) ID, or a verified domain) and the cloud: --cloud usgov or china for those clouds.`,
      };
    case 50049:
      return { code: Code.CLOUD_MISMATCH, hint: `Entra ID does not know this authority for the tenant: the cloud is wrong. Use ${otherClouds(context.tokenUrl)}, or the right --authority-host.` };
    case 900382:
      return {
        code: Code.CLOUD_MISMATCH,
        hint: `The app is registered in another cloud than the one the request went to (${context.tokenUrl.host}), and confidential clients cannot cross clouds. Send it to the app's cloud: ${otherClouds(context.tokenUrl)}.`,
      };
    case 901002:
      return {
        code: Code.RESOURCE_PARAMETER_UNSUPPORTED,
        hint: `The v2.0 endpoint takes no resource parameter (that is v1.0): ask for scope RESOURCE/.default instead. tokenctl does that with --tenant: tokenctl token --tenant ${tenantOf(context)} --resource ${resourceArgument(context)} (sent as scope ${resourceArgument(context)}/.default).`,
      };
    case 70011:
    case 1002012:
    case 700022:
    case 28002:
    case 28003:
      return { code: Code.SCOPE_INVALID, hint: ONE_DEFAULT_SCOPE };
    case 90009:
      return { code: Code.SCOPE_INVALID, hint: 'The app asked for a token for itself: name itself by its GUID, --resource api://<its client ID> or --resource <its client ID>, not by another URI.' };
    case 500011:
      return {
        code: Code.RESOURCE_NOT_FOUND,
        hint: "The API (resource) is not known in this tenant: check the Application ID URI under Expose an API, and that an admin has granted consent so the API's service principal exists in this tenant.",
      };
    case 501051:
      return {
        code: Code.API_ACCESS_NOT_GRANTED,
        hint: 'The API requires an app role assignment (Assignment required), and this app has none: add the API\'s application permission under API permissions and grant admin consent.',
      };
    case 700027:
    case 700030:
      return {
        code: Code.CERTIFICATE_NOT_REGISTERED,
        hint: `The certificate assertion was rejected: upload this certificate${context.thumbprint ? ` (thumbprint ${context.thumbprint})` : ''} under Certificates & secrets, check --thumbprint, and use --send-x5c if the app trusts certificates by subject name and issuer.`,
      };
    case 700024:
      return {
        code: Code.ASSERTION_TIME_INVALID,
        hint: "The client assertion is outside its validity window: check this machine's clock (tokenctl signs a fresh assertion for every request), or lower --assertion-lifetime.",
      };
    case 700023:
      return { code: Code.CLIENT_ASSERTION_INVALID, hint: 'The assertion audience must be the token endpoint: use --assertion-audience token-endpoint (the default for Entra ID).' };
    case 700021:
    case 50027:
    case 50013:
    case 5002723:
      return { code: Code.CLIENT_ASSERTION_INVALID, hint: 'Entra ID could not use the client assertion: check the certificate (--certificate, --thumbprint) or, for a federated assertion, that the token in --client-assertion-file is current.' };
    case 70021:
    case 700211:
    case 700212:
    case 700213:
      return {
        code: Code.CLIENT_ASSERTION_INVALID,
        hint: "No federated credential of the app matches the assertion: compare its issuer, subject and audience (in the message) with the app registration's Certificates & secrets > Federated credentials.",
      };
    case 700025:
      return {
        code: Code.CLIENT_IS_PUBLIC,
        hint: 'The app is registered as a public client, which has no credentials: use a confidential app registration (turn off Allow public client flows under Authentication, and add a secret or certificate).',
      };
    case 7000112:
    case 70001:
      return { code: Code.CLIENT_DISABLED, hint: 'The application is disabled in this tenant: an admin must enable the enterprise application (Properties, Enabled for users to sign in).' };
    case 7000218:
    case 7000216:
    case 90014:
      return { code: Code.CREDENTIAL_NOT_SENT, hint: 'No credential was sent: give a client secret (TOKENCTL_CLIENT_SECRET, --client-secret-stdin, --client-secret-file) or a certificate (--certificate).' };
    case 7000229:
      return { code: Code.SERVICE_PRINCIPAL_MISSING, hint: 'The app has no service principal in this tenant: an admin must add the enterprise application or grant consent.' };
    case 53003:
      return { code: Code.CONDITIONAL_ACCESS_BLOCKED, hint: 'A Conditional Access policy blocked the request: ask an admin which workload-identity policy applies to this app.' };
    case 900144:
      return { code: Code.PARAMETER_MISSING, hint: 'A required parameter is missing from the request; --verbose shows what was sent.' };
    case 900023:
    case 50059:
      return { code: Code.TENANT_MALFORMED, hint: 'The tenant is malformed or missing: give the Directory (tenant) ID (a GUID) or a verified domain with --tenant.' };
    case 70003:
      return { code: Code.GRANT_NOT_ALLOWED, hint: 'The endpoint does not accept the client_credentials grant: check that the URL is the v2.0 token endpoint (tokenctl builds it from --tenant).' };
    default:
      return undefined;
  }
}
