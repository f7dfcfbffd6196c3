import { Code, UsageError } from '../errors.js';
import type { TokenResult } from '../oauth/token-response.js';

/** What `exec --env VAR=FIELD` can put in a variable: the fields of `token -o json`. */
export const TOKEN_FIELDS = ['access_token', 'token_type', 'expires_in', 'expires_at', 'scope'] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

export interface EnvBinding {
  variable: string;
  field: TokenField;
}

export const DEFAULT_TOKEN_VARIABLE = 'ACCESS_TOKEN';
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--env VAR` (the access token) or `--env VAR=FIELD`. */
export function parseEnvBinding(spec: string): EnvBinding {
  const equals = spec.indexOf('=');
  const variable = equals < 0 ? spec : spec.slice(0, equals);
  const field = equals < 0 ? 'access_token' : spec.slice(equals + 1);
  if (!VARIABLE_NAME.test(variable)) {
    throw new UsageError(Code.ENV_NAME_INVALID, `--env ${JSON.stringify(spec)}: ${JSON.stringify(variable)} is not a variable name`, {
      hint: 'A name is letters, digits and _, not starting with a digit: --env API_TOKEN or --env API_TOKEN_EXPIRES=expires_at.',
    });
  }
  const known = TOKEN_FIELDS.find((name) => name === field);
  if (known === undefined) {
    throw new UsageError(Code.ENV_FIELD_UNKNOWN, `--env ${JSON.stringify(spec)}: ${JSON.stringify(field)} is not a token field`, { hint: `The fields are ${TOKEN_FIELDS.join(', ')}.` });
  }
  return { variable, field: known };
}

/**
 * The bindings `exec` applies: those given, and ACCESS_TOKEN for the token unless one of them
 * already carries it. A variable named twice is a mistake, not a silent override.
 */
export function envBindings(specs: readonly string[]): EnvBinding[] {
  const bindings = specs.map(parseEnvBinding);
  const seen = new Set<string>();
  for (const { variable } of bindings) {
    if (seen.has(variable)) throw new UsageError(Code.ENV_NAME_REPEATED, `--env names ${variable} twice`, { hint: 'Give each variable once.' });
    seen.add(variable);
  }
  if (!bindings.some(({ field }) => field === 'access_token')) bindings.unshift({ variable: DEFAULT_TOKEN_VARIABLE, field: 'access_token' });
  return bindings;
}

function fieldValue(token: TokenResult, field: TokenField): string {
  switch (field) {
    case 'access_token':
      return token.accessToken;
    case 'token_type':
      return token.tokenType;
    case 'expires_in':
      return token.expiresIn === undefined ? '' : String(token.expiresIn);
    case 'expires_at':
      return token.expiresAt?.toISOString() ?? '';
    case 'scope':
      return token.scope ?? '';
  }
}

/** The variables to add to the command's environment; an unknown value (no expiry) is an empty string. */
export function tokenVariables(token: TokenResult, bindings: readonly EnvBinding[]): Record<string, string> {
  return Object.fromEntries(bindings.map(({ variable, field }) => [variable, fieldValue(token, field)]));
}
