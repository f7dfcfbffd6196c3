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

/** Where a token sits in what people paste: the first of these that matches wins. */
const TOKEN_FIELD = String.raw`(?:access_token|id_token|accessToken|idToken|token)`;
const CONTAINERS: readonly RegExp[] = [
  // A JSON token response, even when a long token is line-wrapped inside its string (vendor docs do that).
  new RegExp(String.raw`"${TOKEN_FIELD}"\s*:\s*"([^"]*)"`),
  // XML-ish output: <access_token>…</access_token>
  new RegExp(String.raw`<${TOKEN_FIELD}>([\s\S]*?)</\s*${TOKEN_FIELD}>`, 'i'),
  // An Authorization header anywhere: a header line, an HTTP request dump, curl -H "Authorization: Bearer …".
  /authorization\s*:\s*bearer\s+([^\s"'`]+(?:\s*(?:\.\.\.|…)\s*[^\s"'`]+)*)/i,
  // Shell assignments, as `token -o env` prints them: export ACCESS_TOKEN='…', ACCESS_TOKEN=…
  /^\s*(?:export\s+|set\s+|\$env:)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*(.+?)\s*;?\s*$/,
];

/** A compact JWS or JWE among other words (shortened ones too): starts with a base64url JSON header. */
const JWT_IN_TEXT = /eyJ[A-Za-z0-9_.…-]*/g;

/** Marks of a token that was shortened for display: … or three dots. */
export const TRUNCATION_MARK = /…|\.{3,}/;

function fromContainer(text: string): string | undefined {
  for (const pattern of CONTAINERS) {
    const match = pattern.exec(text);
    // The assignment pattern is for a single line only: a multi-line paste is something else.
    if (match?.[1] !== undefined && !(pattern === CONTAINERS[3] && text.includes('\n'))) return match[1];
  }
  return undefined;
}

/** One JWT-looking word in a log line or a dump; undefined when there is none or several different ones. */
function lonelyJwt(text: string): string | undefined {
  const found = [...new Set(text.match(JWT_IN_TEXT) ?? [])].map((candidate) => candidate.replace(/\.+$/, (dots) => (dots.length >= 3 ? dots : ''))).filter((candidate) => /[.…]/.test(candidate));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Turns what people paste (a token response, its own `-o env` and `-o header` output, a curl command,
 * an HTTP request dump, a log line, XML-ish tool output, vendor docs with wrapped lines) into a bare
 * compact token. Quotes, `Authorization:` and `Bearer` prefixes and the white space that wraps long
 * tokens are removed; a shortening mark (… or ...) is kept, so the parser can call it truncated.
 */
export function cleanTokenInput(raw: string): string {
  if (Buffer.byteLength(raw, 'utf8') > MAX_TOKEN_INPUT_BYTES) {
    throw new UsageError(Code.INPUT_TOO_LARGE, `input is larger than ${MAX_TOKEN_INPUT_BYTES / 1024 / 1024} MiB; a token is never that long`, {
      hint: 'Pass only the token, not a whole log file or response body.',
    });
  }
  const trimmed = raw.trim();
  let text = fromContainer(trimmed) ?? trimmed;
  text = stripQuotes(text.trim());
  text = text.replace(/^authorization\s*:\s*/i, '');
  text = stripQuotes(text);
  text = text.replace(/^bearer(\s+|$)/i, '');
  text = stripQuotes(text);
  // Free text around a token (a log line, a command): take the one JWT in it. A shortened token keeps its mark.
  const words = text.trim().split(/\s+/);
  const wrapped = words[0]?.startsWith('eyJ') && words.every((word) => /^[A-Za-z0-9_.-]+$/.test(word));
  if (words.length > 1 && !wrapped) text = lonelyJwt(text) ?? text;
  text = text.replace(/\s+/g, '');
  if (text === '') {
    throw new UsageError(Code.EMPTY_TOKEN, 'no token given: the input is empty', {
      hint: 'Pass the token as an argument, or pipe it on stdin: tokenctl decode < token.txt',
    });
  }
  return text;
}
