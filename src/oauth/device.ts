import { Code, IdpRejectedError, NetworkError, type CliError } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import { isLoopbackHost } from '../http/url-policy.js';
import { jsonObject, parseUrl, unexpectedResponse } from './endpoint-response.js';
import type { RequestContext } from './diagnose.js';
import { refusalError } from './token-response.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: without an interval, clients wait 5 seconds between polls. */
export const DEFAULT_INTERVAL_SECONDS = 5;
/** slow_down adds 5 seconds to the interval, for this and every later poll. */
export const SLOW_DOWN_SECONDS = 5;

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string | undefined;
  expiresIn: number;
  intervalSeconds: number;
  /** Entra's ready-made sentence for the user. */
  message?: string | undefined;
}

/** RFC 8628 §3.1: the client and the scope; client authentication is added when sent. */
export function deviceAuthorizationForm(scopes: string[]): Array<[string, string]> {
  return scopes.length ? [['scope', scopes.join(' ')]] : [];
}

/** RFC 8628 §3.4: the token request the client polls with. */
export function deviceCodeForm(deviceCode: string): Array<[string, string]> {
  return [
    ['grant_type', DEVICE_CODE_GRANT],
    ['device_code', deviceCode],
  ];
}

function userFacingUrl(value: unknown, field: string, host: string): string {
  const url = typeof value === 'string' ? parseUrl(value) : undefined;
  // The user is told to open it: only a web address, and never plain http except on this machine.
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
    throw new NetworkError(Code.DEVICE_RESPONSE_INVALID, `the device authorization response from ${host} has an unusable ${field}`, {
      hint: 'It must be an https URL for the user to open (RFC 8628 §3.2); report this to whoever runs the server.',
    });
  }
  return url.href;
}

function positiveSeconds(value: unknown, field: string, host: string, fallback?: number): number {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new NetworkError(Code.DEVICE_RESPONSE_INVALID, `the device authorization response from ${host} has an unusable ${field}: ${JSON.stringify(value)}`, {
      hint: 'It must be a positive number of seconds (RFC 8628 §3.2).',
    });
  }
  return seconds;
}

/** RFC 8628 §3.2, checked field by field; Entra's verification_url is accepted for verification_uri. */
export function processDeviceAuthorizationResponse(response: RawResponse, context: RequestContext & { endpoint: URL; secrets: readonly string[] }): DeviceAuthorization {
  const host = context.endpoint.host;
  const body = jsonObject(response.body);
  if (response.status !== 200) {
    if (response.status >= 400 && response.status < 500 && body && typeof body.error === 'string') {
      throw refusalError(response, body, { ...context, tokenUrl: context.endpoint, requestedAt: new Date(0) });
    }
    throw unexpectedResponse(response, 'device authorization endpoint', context.endpoint, context.secrets);
  }
  if (!body) throw unexpectedResponse(response, 'device authorization endpoint', context.endpoint, context.secrets);
  const text = (field: string) => {
    const value = body[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new NetworkError(Code.DEVICE_RESPONSE_INVALID, `the device authorization response from ${host} has no usable ${field}`, {
        hint: 'Check that the URL is the device authorization endpoint (RFC 8628 §3.2).',
      });
    }
    return value;
  };
  const deviceCode = text('device_code');
  const userCode = text('user_code');
  const verificationUri = userFacingUrl(body.verification_uri ?? body.verification_url, 'verification_uri', host);
  const complete = body.verification_uri_complete;
  return {
    deviceCode,
    userCode,
    verificationUri,
    ...(complete !== undefined && complete !== null ? { verificationUriComplete: userFacingUrl(complete, 'verification_uri_complete', host) } : {}),
    expiresIn: positiveSeconds(body.expires_in, 'expires_in', host),
    intervalSeconds: positiveSeconds(body.interval, 'interval', host, DEFAULT_INTERVAL_SECONDS),
    ...(typeof body.message === 'string' ? { message: body.message } : {}),
  };
}

export type PollDecision = { action: 'wait'; intervalSeconds: number; reason: 'authorization_pending' | 'slow_down' } | { action: 'stop'; error: CliError };

/**
 * What to do after a poll the token endpoint refused (RFC 8628 §3.5): wait and poll again, slower
 * after slow_down, or stop. Only an OAuth error response comes here; a token ends the loop elsewhere.
 */
export function decidePoll(error: IdpRejectedError, intervalSeconds: number, now: number, expiresAt: number): PollDecision {
  const expired = () =>
    new IdpRejectedError(Code.DEVICE_CODE_EXPIRED, 'the device code expired before the sign-in was completed', {
      hint: 'Run the login again and enter the new code within the time shown.',
    });
  switch (error.details.oauthError) {
    case 'authorization_pending':
      return now + intervalSeconds * 1000 >= expiresAt ? { action: 'stop', error: expired() } : { action: 'wait', intervalSeconds, reason: 'authorization_pending' };
    case 'slow_down': {
      const slower = intervalSeconds + SLOW_DOWN_SECONDS;
      return now + slower * 1000 >= expiresAt ? { action: 'stop', error: expired() } : { action: 'wait', intervalSeconds: slower, reason: 'slow_down' };
    }
    default:
      // expired_token, access_denied (authorization_declined at Entra), invalid_grant, …: each carries its diagnosis.
      return { action: 'stop', error };
  }
}
