import type { UsageCode } from '../codes.js';
import { Code, UsageError } from '../errors.js';
import { TRUNCATION_MARK } from './input.js';

export type JsonObject = Record<string, unknown>;

export interface DecodedJwt {
  header: JsonObject;
  payload: JsonObject;
  /** The third segment as sent (base64url); empty for an unsecured token. */
  signature: string;
  /** The compact token after clean-up, the exact bytes a verifier checks. */
  compact: string;
}

const SEGMENT_NAMES = ['header', 'payload', 'signature'] as const;
const BASE64URL_CHAR = /[A-Za-z0-9_-]/;

function segmentError(code: UsageCode, message: string, hint?: string): UsageError {
  return new UsageError(code, message, { hint: hint ?? 'Copy the whole token again: a JWT is three base64url segments joined by dots.' });
}

/** Node's base64url decoder skips characters it does not know, so the alphabet is checked first. */
export function checkBase64Url(segment: string, name: string): void {
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string;
    if (!BASE64URL_CHAR.test(char)) {
      const shown = char === '=' ? "'=' (padding is not allowed in a JWT)" : JSON.stringify(char);
      const more = char === '+' || char === '/' ? ' (that is standard base64, a JWT uses base64url: - and _)' : '';
      throw segmentError(Code.JWT_BAD_BASE64URL, `the ${name} segment is not valid base64url: character ${shown} at position ${i + 1}${more}`);
    }
  }
  if (segment.length % 4 === 1) {
    throw segmentError(Code.JWT_BAD_BASE64URL, `the ${name} segment is not valid base64url: its length (${segment.length}) cannot be produced by base64url, so it was probably cut short`);
  }
}

function decodeJsonSegment(segment: string, name: 'header' | 'payload'): JsonObject {
  if (segment === '') throw segmentError(Code.JWT_EMPTY_SEGMENT, `the ${name} segment is empty`);
  checkBase64Url(segment, name);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw segmentError(Code.JWT_NOT_UTF8, `the ${name} segment does not decode to UTF-8 text`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw segmentError(Code.JWT_NOT_JSON, `the ${name} segment is not JSON (${reason})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw segmentError(Code.JWT_NOT_OBJECT, `the ${name} segment is JSON but ${kind}, not an object`);
  }
  return value as JsonObject;
}

const TRUNCATED_HINT = 'Copy the whole token again: displays and logs shorten long tokens (… or ...), and a cut copy loses the end. tokenctl decode --file PATH reads one from a file.';

/** The header, when the first segment is a complete one: shown so a truncated token still tells something. */
function headerIfComplete(segment: string | undefined): JsonObject | undefined {
  try {
    return segment ? decodeJsonSegment(segment, 'header') : undefined;
  } catch {
    return undefined;
  }
}

function truncatedError(why: string, headerSegment: string | undefined): UsageError {
  const header = headerIfComplete(headerSegment);
  return new UsageError(Code.JWT_TRUNCATED, `the token is truncated: ${why}${header ? `. Its header decodes: ${JSON.stringify(header)}` : ''}`, { hint: TRUNCATED_HINT });
}

/** JSON that stopped in the middle, as JSON.parse words it. */
const UNFINISHED_JSON = /Unexpected end|Unterminated|end of JSON|Expected .* after/i;

/** Splits and decodes a compact JWS. Every way it can be malformed has its own message. */
export function parseCompactJwt(token: string): DecodedJwt {
  const mark = TRUNCATION_MARK.exec(token);
  if (mark) throw truncatedError(`it contains "${mark[0]}" where characters were left out`, token.split(/\.|…/)[0]);
  const segments = token.split('.');
  if (segments.length === 5) {
    throw new UsageError(Code.JWT_ENCRYPTED, 'this is an encrypted token (JWE, 5 segments): it cannot be decoded without the recipient\'s private key', {
      hint: 'Only the service the token was issued for can decrypt it. Ask the identity provider for an unencrypted (signed) token if you need to read it.',
    });
  }
  if (segments.length === 1 && token.startsWith('eyJ')) throw truncatedError('it ends inside the header (a JWT has three segments separated by dots)', undefined);
  if (segments.length === 2 && headerIfComplete(segments[0])) throw truncatedError('it ends after the payload: the signature segment is missing', segments[0]);
  if (segments.length === 1) {
    throw new UsageError(Code.OPAQUE_TOKEN, `this is not a JWT: it has no dots (${token.length} characters), so it is an opaque (reference) token or not a token at all`, {
      hint: 'Opaque tokens carry no readable claims; only the issuer can describe them (token introspection, RFC 7662).',
    });
  }
  if (segments.length !== 3) {
    throw segmentError(Code.JWT_SEGMENT_COUNT, `a JWT has 3 segments separated by dots; this input has ${segments.length}`);
  }
  const [headerPart, payloadPart, signature] = segments as [string, string, string];
  const header = decodeJsonSegment(headerPart, 'header');
  let payload: JsonObject;
  try {
    payload = decodeJsonSegment(payloadPart, 'payload');
  } catch (error) {
    // A payload that stops mid-way, with a header that decodes: the copy was cut, not garbled.
    const cut = error instanceof UsageError && ((error.entry === Code.JWT_BAD_BASE64URL && error.message.includes('cut short')) || (error.entry === Code.JWT_NOT_JSON && UNFINISHED_JSON.test(error.message)));
    if (cut) throw truncatedError('the payload stops in the middle', headerPart);
    throw error;
  }
  if (signature !== '') checkBase64Url(signature, SEGMENT_NAMES[2]);
  return { header, payload, signature, compact: token };
}
