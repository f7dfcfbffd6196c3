import { Code, NetworkError } from '../errors.js';
import { exchange } from './exchange.js';
import { createDispatcher, type TransportOptions } from './transport.js';

export interface GetJsonOptions extends TransportOptions {
  timeoutMs: number;
  /** What the document is, for messages: "discovery document", "JWKS". */
  what: string;
  /** Answer undefined for a 404 instead of failing, so a caller can try the next location. */
  notFoundIsUndefined?: boolean;
}

/**
 * GET a public JSON document (discovery metadata, a JWKS). Redirects are not followed, so the URL
 * that was checked against the https policy is the URL that answers.
 */
export async function getJson(url: URL, options: GetJsonOptions): Promise<unknown> {
  const dispatcher = createDispatcher(options);
  try {
    const { status, headers, body } = await exchange(
      { method: 'GET', url, headers: { accept: 'application/json' } },
      { dispatcher, signal: AbortSignal.timeout(options.timeoutMs) },
    );
    if (status >= 300 && status < 400) {
      throw new NetworkError(Code.UNEXPECTED_REDIRECT, `the ${options.what} at ${url.href} redirects (HTTP ${status}) to ${headers.location ?? 'nowhere'}`, {
        hint: 'Use the final URL directly; tokenctl does not follow redirects.',
      });
    }
    if (status === 404 && options.notFoundIsUndefined) return undefined;
    if (status !== 200) throw new NetworkError(Code.HTTP_ERROR, `the ${options.what} at ${url.href} answered HTTP ${status}`, { hint: 'Check the URL.' });
    try {
      return JSON.parse(body) as unknown;
    } catch (error) {
      throw new NetworkError(Code.RESPONSE_NOT_JSON, `the ${options.what} at ${url.href} is not JSON (content type ${headers['content-type'] ?? 'none'})`, { cause: error });
    }
  } finally {
    await dispatcher.close();
  }
}
