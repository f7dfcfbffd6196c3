import { Code, UsageError } from '../errors.js';

export const MAX_TOKEN_INPUT_BYTES = 1024 * 1024;

const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
];

function stripQuotes(text: string): string {
  for (const [open, close] of QUOTE_PAIRS) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) return text.slice(open.length, -close.length).trim();
  }
  return text;
}

/** A whole token response pasted from curl: take its access token (or ID token). */
function tokenFromResponseBody(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const token = body.access_token ?? body.id_token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns what people paste (from logs, HTTP headers, vendor docs, JSON responses) into a bare
 * compact token: surrounding quotes, `Authorization:` and `Bearer ` prefixes, and every white-space
 * character inside (docs wrap long tokens over lines) are removed; from a pasted token response
 * (JSON) the `access_token` is taken. Nothing else is altered.
 */
export function cleanTokenInput(raw: string): string {
  if (Buffer.byteLength(raw, 'utf8') > MAX_TOKEN_INPUT_BYTES) {
    throw new UsageError(Code.INPUT_TOO_LARGE, `input is larger than ${MAX_TOKEN_INPUT_BYTES / 1024 / 1024} MiB; a token is never that long`, {
      hint: 'Pass only the token, not a whole log file or response body.',
    });
  }
  let text = tokenFromResponseBody(raw.trim()) ?? stripQuotes(raw.trim());
  text = text.replace(/^authorization\s*:\s*/i, '');
  text = stripQuotes(text);
  text = text.replace(/^bearer(\s+|$)/i, '');
  text = stripQuotes(text).replace(/\s+/g, '');
  if (text === '') {
    throw new UsageError(Code.EMPTY_TOKEN, 'no token given: the input is empty', {
      hint: 'Pass the token as an argument, or pipe it on stdin: tokenctl decode < token.txt',
    });
  }
  return text;
}
