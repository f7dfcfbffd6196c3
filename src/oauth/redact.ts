import { REDACTED, scrubText } from '../scrub.js';

/** Form fields that are credentials by themselves: a secret, a code and its verifier, a token. */
const SECRET_FIELDS = new Set(['client_secret', 'code', 'code_verifier', 'refresh_token', 'device_code', 'token', 'password']);

/** Form fields that carry credentials; the assertion's header and claims are fine to show, its signature is not. */
export function redactForm(form: Array<[string, string]>): Array<[string, string]> {
  return form.map(([name, value]) => {
    if (SECRET_FIELDS.has(name)) return [name, REDACTED];
    if (name === 'client_assertion') {
      const [header, payload] = value.split('.');
      return [name, `${header}.${payload}.${REDACTED}`];
    }
    return [name, value];
  });
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, /^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) ? `${value.split(' ')[0]} ${REDACTED}` : value]),
  );
}

const TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'id_token', 'device_code']);

/** A token response with its tokens replaced by their length, for --verbose. */
export function redactTokenResponse(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([name, value]) => [name, TOKEN_FIELDS.has(name) && typeof value === 'string' ? `${REDACTED} (${value.length} characters)` : value]),
  );
}

/**
 * Free text that came from the identity provider or describes the request: the given secrets are
 * removed in every form (see secretForms), by value only, so URLs, App ID URIs and thumbprints stay.
 */
export function redactText(text: string, secretForms: readonly string[] = []): string {
  return scrubText(text, secretForms);
}

/**
 * One value from the identity provider for a message: scrubbed, and its line breaks folded into
 * spaces so it cannot forge a line of output. Its other control characters stay as they are: data
 * (--json) carries them as JSON escapes, and what is written for a terminal or a log is escaped there.
 */
export function untrustedLine(value: string, secretForms: readonly string[] = []): string {
  return scrubText(value, secretForms).replace(/\s*[\r\n\v\f\u0085\u2028\u2029]+\s*/g, ' ');
}

/** A short single-line excerpt of a body, for error messages (escaped where it is shown, like untrustedLine). */
export function excerpt(body: string, secretForms: readonly string[] = [], length = 160): string {
  const line = untrustedLine(body.replace(/<[^>]*>/g, ' '), secretForms).replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length)}…` : line;
}
