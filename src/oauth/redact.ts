const REDACTED = '<redacted>';

/** Form fields that carry credentials; the assertion's header and claims are fine to show, its signature is not. */
export function redactForm(form: Array<[string, string]>): Array<[string, string]> {
  return form.map(([name, value]) => {
    if (name === 'client_secret') return [name, REDACTED];
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

const TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'id_token']);

/** A token response with its tokens replaced by their length, for --verbose. */
export function redactTokenResponse(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([name, value]) => [name, TOKEN_FIELDS.has(name) && typeof value === 'string' ? `${REDACTED} (${value.length} characters)` : value]),
  );
}

/**
 * Scrubs free text (an error page, a response excerpt) of anything secret: the given secrets
 * verbatim, and anything shaped like a JWT or a long opaque credential.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  return result
    .replace(/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '<redacted JWT>')
    .replace(/[A-Za-z0-9+/_-]{40,}={0,2}/g, REDACTED);
}

/** A short single-line excerpt of a body, for error messages. */
export function excerpt(body: string, secrets: readonly string[] = [], length = 160): string {
  const line = redactText(body.replace(/<[^>]*>/g, ' '), secrets).replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length)}…` : line;
}
