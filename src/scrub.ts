/**
 * The one scrubber: secrets are removed from text by value, in every form a server or a request
 * description may carry them, never by guessing from a string's shape (which destroys URLs, App ID
 * URIs and thumbprints that support needs).
 */

export const REDACTED = '<redacted>';

/** Shorter values would redact ordinary words; no credential is that short. */
const MIN_SECRET_LENGTH = 4;

const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
const base64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

/**
 * Every way `secret` can appear in text: raw, form-encoded, percent-encoded (either hex case),
 * JSON-escaped, base64 and base64url, hex (either case), its UTF-8 bytes read as Latin-1 (how
 * HTTP header values arrive: a non-ASCII secret echoed in a header reads `pÃ¤sswÃ¶rd`), and — given
 * the client ID — the base64 of `id:secret` that HTTP Basic sends, both as RFC 6749 encodes it and raw.
 */
export function secretForms(secret: string, clientId?: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const percent = encodeURIComponent(secret);
  const forms = [
    secret,
    formEncode(secret),
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    JSON.stringify(secret).slice(1, -1),
    base64(secret),
    Buffer.from(secret, 'utf8').toString('base64url'),
    Buffer.from(secret, 'utf8').toString('latin1'),
    Buffer.from(secret, 'utf8').toString('hex'),
    Buffer.from(secret, 'utf8').toString('hex').toUpperCase(),
  ];
  if (clientId !== undefined) {
    for (const pair of [`${formEncode(clientId)}:${formEncode(secret)}`, `${clientId}:${secret}`]) {
      const encoded = base64(pair);
      forms.push(encoded, encoded.replace(/=+$/, ''), encodeURIComponent(encoded));
    }
  }
  return forms;
}

export interface Scrubber {
  /** Remembers a secret (with the client ID it authenticates, for its HTTP Basic form). */
  add(secret: string, clientId?: string): void;
  /** The text with every known secret, in every form, replaced by <redacted>. */
  scrub(text: string): string;
  /** The length of the longest known secret that occurs in the text in any form; undefined when none does. */
  find(text: string): number | undefined;
  /** A value written as is from now on (the token `token` prints): scrubbing never changes it. */
  keep(value: string): void;
}

/** Replaces each form, longest first, so a form containing another is removed whole. */
export function scrubText(text: string, forms: readonly string[]): string {
  let result = text;
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
    if (form.length >= MIN_SECRET_LENGTH && result.includes(form)) result = result.split(form).join(REDACTED);
  }
  return result;
}

export function createScrubber(): Scrubber {
  const forms = new Set<string>();
  /** For each form, the length of the longest secret it is a form of. */
  const lengths = new Map<string, number>();
  const kept = new Set<string>();
  const scrub = (text: string): string => {
    if (forms.size === 0) return text;
    const keep = [...kept].find((value) => text.includes(value));
    // A kept value stays whole; the text around it is scrubbed as usual.
    return keep === undefined ? scrubText(text, [...forms]) : text.split(keep).map(scrub).join(keep);
  };
  return {
    add(secret, clientId) {
      for (const form of secretForms(secret, clientId)) {
        forms.add(form);
        lengths.set(form, Math.max(lengths.get(form) ?? 0, secret.length));
      }
    },
    scrub,
    find(text) {
      const found = [...lengths].filter(([form]) => text.includes(form)).map(([, length]) => length);
      return found.length === 0 ? undefined : Math.max(...found);
    },
    keep: (value) => void kept.add(value),
  };
}
