import type { ChalkInstance } from 'chalk';
import type { MetadataCheck, ServerMetadata } from '../oauth/discovery.js';
import { escapeControl as printable } from '../escape.js';

export interface DiscoveryReport {
  issuer: string;
  metadataUrl: string;
  endpoints: Record<string, string | null>;
  supported: Record<string, string[] | null>;
  checks: MetadataCheck[];
  ok: boolean;
}

const ENDPOINT_LABELS: Array<[keyof ServerMetadata, string]> = [
  ['authorization_endpoint', 'authorization'],
  ['token_endpoint', 'token'],
  ['userinfo_endpoint', 'userinfo'],
  ['introspection_endpoint', 'introspection'],
  ['revocation_endpoint', 'revocation'],
  ['device_authorization_endpoint', 'device authorization'],
  ['end_session_endpoint', 'end session'],
  ['jwks_uri', 'JWKS'],
];

const SUPPORTED_LABELS: Array<[keyof ServerMetadata, string]> = [
  ['grant_types_supported', 'grant types'],
  ['response_types_supported', 'response types'],
  ['token_endpoint_auth_methods_supported', 'client authentication'],
  ['code_challenge_methods_supported', 'PKCE methods'],
  ['scopes_supported', 'scopes'],
  ['id_token_signing_alg_values_supported', 'ID token algorithms'],
  ['claims_supported', 'claims'],
];

/** The stable --json document of `discover`: every endpoint and list named, null when the server has none. */
export function discoveryReport(metadata: ServerMetadata, source: URL, checks: MetadataCheck[]): DiscoveryReport {
  return {
    issuer: metadata.issuer,
    metadataUrl: source.href,
    endpoints: Object.fromEntries(ENDPOINT_LABELS.map(([field]) => [field, (metadata[field] as string | undefined) ?? null])),
    supported: Object.fromEntries(SUPPORTED_LABELS.map(([field]) => [field, (metadata[field] as string[] | undefined) ?? null])),
    checks,
    ok: checks.every((check) => check.status !== 'error'),
  };
}

export function formatDiscovery(report: DiscoveryReport, c: ChalkInstance): string {
  const row = (label: string, value: string) => `  ${label.padEnd(22)} ${value}`;
  const lines = [row('issuer', printable(report.issuer)), row('metadata', printable(report.metadataUrl)), '', c.bold('Endpoints')];
  for (const [field, label] of ENDPOINT_LABELS) {
    const value = report.endpoints[field];
    lines.push(row(label, value ? printable(value) : c.dim('(none)')));
  }
  lines.push('', c.bold('Supported'));
  for (const [field, label] of SUPPORTED_LABELS) {
    const value = report.supported[field];
    lines.push(row(label, value ? printable(value.join(' ')) : c.dim('(not said)')));
  }
  lines.push('', c.bold('Checks'));
  for (const check of report.checks) {
    const mark = check.status === 'ok' ? c.green('ok  ') : check.status === 'warning' ? c.yellow('warn') : c.red('FAIL');
    lines.push(`  ${mark} ${printable(check.message)}`);
  }
  return `${lines.join('\n')}\n`;
}
