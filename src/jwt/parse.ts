import type { UsageCode } from '../codes.js';
import { Code, UsageError } from '../errors.js';

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

/** Splits and decodes a compact JWS. Every way it can be malformed has its own message. */
export function parseCompactJwt(token: string): DecodedJwt {
  const segments = token.split('.');
  if (segments.length === 5) {
    throw new UsageError(Code.JWT_ENCRYPTED, 'this is an encrypted token (JWE, 5 segments): it cannot be decoded without the recipient\'s private key', {
      hint: 'Only the service the token was issued for can decrypt it. Ask the identity provider for an unencrypted (signed) token if you need to read it.',
    });
  }
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
  const payload = decodeJsonSegment(payloadPart, 'payload');
  if (signature !== '') checkBase64Url(signature, SEGMENT_NAMES[2]);
  return { header, payload, signature, compact: token };
}
