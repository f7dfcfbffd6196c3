import { Code, UsageError } from '../errors.js';
import type { TokenResult } from '../oauth/token-response.js';

/**
 * kubectl's client-go credential plugins (`users[].user.exec` in a kubeconfig): kubectl sets
 * KUBERNETES_EXEC_INFO to an ExecCredential naming the apiVersion it expects back, and refuses an
 * answer in any other.
 */
export const EXEC_CREDENTIAL_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecCredentialVersion = (typeof EXEC_CREDENTIAL_VERSIONS)[number];

/** What kubectl before 1.22 speaks, and what kubelogin answers when it is run by hand. */
const DEFAULT_VERSION: ExecCredentialVersion = 'client.authentication.k8s.io/v1beta1';

const HINT = 'Set apiVersion: client.authentication.k8s.io/v1 (kubectl 1.22 and later) or client.authentication.k8s.io/v1beta1 in the exec section of the kubeconfig user.';

/** The apiVersion kubectl asked for in KUBERNETES_EXEC_INFO; v1beta1 when run by hand. */
export function requestedExecCredentialVersion(execInfo: string | undefined): ExecCredentialVersion {
  if (execInfo === undefined || execInfo.trim() === '') return DEFAULT_VERSION;
  let parsed: unknown;
  try {
    parsed = JSON.parse(execInfo);
  } catch {
    throw new UsageError(Code.EXEC_INFO_INVALID, 'KUBERNETES_EXEC_INFO is not JSON', { hint: 'kubectl sets it for its credential plugins; unset it when running tokenctl by hand.' });
  }
  const apiVersion = typeof parsed === 'object' && parsed !== null ? (parsed as { apiVersion?: unknown }).apiVersion : undefined;
  if (typeof apiVersion !== 'string') {
    throw new UsageError(Code.EXEC_INFO_INVALID, 'KUBERNETES_EXEC_INFO has no apiVersion', { hint: HINT });
  }
  const version = EXEC_CREDENTIAL_VERSIONS.find((known) => known === apiVersion);
  if (version === undefined) {
    throw new UsageError(Code.EXEC_CREDENTIAL_VERSION_UNSUPPORTED, `kubectl asks for an ExecCredential of ${JSON.stringify(apiVersion)}, which tokenctl does not speak`, { hint: HINT });
  }
  return version;
}

/** The ExecCredential document kubectl reads from a plugin's stdout. */
export function execCredential(token: TokenResult, apiVersion: ExecCredentialVersion) {
  return {
    kind: 'ExecCredential',
    apiVersion,
    spec: {},
    status: {
      // kubectl reuses the token until then, and runs the plugin again after (or on a 401).
      ...(token.expiresAt ? { expirationTimestamp: token.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
      token: token.accessToken,
    },
  };
}
