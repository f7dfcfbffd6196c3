import { Code, UsageError } from '../errors.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { checkMetadata, type MetadataCheck, type ServerMetadata } from '../oauth/discovery.js';
import { planEndpoint } from '../oauth/endpoint.js';
import { entraIssuer, fetchServerMetadata } from '../oauth/live-discovery.js';
import { mergeSettings, type RequestSettings } from '../oauth/settings.js';
import { resolveProfileName } from '../profiles/paths.js';
import type { AppContext } from './context.js';
import { transportFor } from './login.js';
import { openRepository } from './session.js';

export interface DiscoverFlowOptions {
  profile: string | undefined;
  /** --issuer, --tenant, --cloud, --authority-host, --proxy, --ca-file, --timeout. */
  settings: RequestSettings;
}

/** The issuer to look at: the one given, an Entra tenant's, or the profile's. */
async function chooseSettings(options: DiscoverFlowOptions, context: AppContext): Promise<RequestSettings> {
  if (options.settings.issuer || options.settings.tenant) return options.settings;
  if (options.profile === undefined && !context.env.TOKENCTL_PROFILE) {
    throw new UsageError(Code.NO_ISSUER, 'discover needs an issuer: give --issuer URL, --tenant (Entra ID) or -p PROFILE', {
      hint: 'For example: tokenctl discover --issuer https://idp.example.com',
    });
  }
  const profile = await openRepository(context.layout).read(resolveProfileName(options.profile, context.env));
  const settings = mergeSettings(options.settings, profile.settings);
  if (!settings.issuer && !settings.tenant) {
    throw new UsageError(Code.NO_ISSUER, `profile ${profile.name} names a token URL but no issuer, so there is no metadata to discover`, {
      hint: `Give the issuer: tokenctl discover --issuer URL (and tokenctl configure -p ${profile.name} --issuer URL to use it).`,
    });
  }
  return settings;
}

/** The authorization server's metadata, where it was found, and the checks of it. */
export async function discoverServer(options: DiscoverFlowOptions, context: AppContext): Promise<{ metadata: ServerMetadata; source: URL; checks: MetadataCheck[] }> {
  const settings = await chooseSettings(options, context);
  const plan = planEndpoint({ ...settings, tokenUrl: undefined });
  const issuerUrl =
    plan.provider === 'entra' ? new URL(`${plan.authorityHost.href.replace(/\/+$/, '')}/${encodeURIComponent(plan.tenant)}/v2.0`) : parseEndpointUrl(settings.issuer as string, '--issuer');
  const { metadata, source } = await fetchServerMetadata(issuerUrl, await transportFor(settings, context.env), (settings.timeoutSeconds ?? 30) * 1000);
  const expected = plan.provider === 'entra' ? entraIssuer(plan.authorityHost, plan.tenant, metadata.issuer) : (settings.issuer as string);
  return { metadata, source, checks: checkMetadata(metadata, expected) };
}
