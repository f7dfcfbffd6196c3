import { Code, NetworkError } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import { excerpt } from './redact.js';

/** Helpers every response processor shares: a body as a JSON object, and a precise error for anything else. */

export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function describeBody(response: RawResponse, secrets: readonly string[]): string {
  const type = response.headers['content-type'] ?? 'no content type';
  const body = response.body.trim() === '' ? 'an empty body' : `"${excerpt(response.body, secrets)}"`;
  return `HTTP ${response.status}, ${type}: ${body}`;
}

/** A redirect, a server failure, or a body that is not the endpoint's JSON, named by endpoint and host. */
export function unexpectedResponse(response: RawResponse, what: string, url: URL, secrets: readonly string[]): NetworkError {
  if (response.status >= 300 && response.status < 400) {
    return new NetworkError(Code.UNEXPECTED_REDIRECT, `the ${what} at ${url.host} answered HTTP ${response.status}, redirecting to ${response.headers.location ?? '(no Location)'}`, {
      hint: 'tokenctl never follows a redirect with credentials or tokens: use the final URL.',
    });
  }
  if (response.status === 429) {
    return new NetworkError(Code.RATE_LIMITED, `${url.host} is rate-limiting requests (HTTP 429)`, { hint: 'Try again later.' });
  }
  if (response.status >= 500) {
    return new NetworkError(Code.SERVER_ERROR, `the ${what} at ${url.host} failed (${describeBody(response, secrets)})`, { hint: 'The server or a proxy in front of it is failing; try again later.' });
  }
  return new NetworkError(Code.UNUSABLE_RESPONSE, `the ${what} at ${url.host} did not answer as OAuth requires (${describeBody(response, secrets)})`, {
    hint: 'Check that the URL is the right endpoint, and any proxy between here and the server.',
  });
}
