import { escapeControl } from '../escape.js';
import { stat } from '../fs-async.js';
import { readInputFile } from '../input-file.js';
import { CheckFailedError, Code, UsageError } from '../errors.js';
import { claimAt, explainToken, unmetExpectations, type Explanation } from '../jwt/explain.js';
import { cleanTokenInput, MAX_TOKEN_INPUT_BYTES } from '../jwt/input.js';
import { parseCompactJwt } from '../jwt/parse.js';
import type { Verification } from '../jwt/verify-result.js';
import { renderExplanation } from '../output/decode-view.js';
import type { GlobalOptions, Io } from '../output/io.js';

export interface DecodeOptions extends GlobalOptions {
  /** The token, "-" for stdin, "@PATH" for a file, or undefined (stdin when it is not a terminal). */
  token: string | undefined;
  /** Read the token from this file. */
  file: string | undefined;
  expectRoles: string[];
  expectScopes: string[];
  claim: string | undefined;
  requireValid: boolean;
  leewaySeconds: number;
  verify: boolean;
  jwks: string | undefined;
  keyFile: string | undefined;
  expectAudience: string | undefined;
  expectIssuer: string | undefined;
  caFile: string | undefined;
  /** Decode this profile's current token instead of an argument. */
  profile: string | undefined;
  /** With a profile: its ID token (of the last sign-in) instead of its access token. */
  idToken?: boolean | undefined;
}

const VERIFY_TIMEOUT_MS = 30_000;

/** The profile's current token: from its cache while good for another 5 minutes, else fetched. */
async function profileTokenText(name: string, io: Io, verbose: boolean): Promise<string> {
  const { getToken } = await import('../app/token.js');
  const { appContext, profileAlternative } = await import('./context.js');
  const options = { profile: name, settings: {}, secrets: {}, minValiditySeconds: 300, refresh: false, noCache: false };
  const { token } = await getToken(options, await appContext(io, { verbose, json: false }, profileAlternative(name, io)));
  return token.accessToken;
}

/** The ID token of the profile's last sign-in (or refresh), from its encrypted cache. */
async function profileIdTokenText(name: string, io: Io, verbose: boolean): Promise<string> {
  const { profileIdToken } = await import('../app/endpoint-tools.js');
  const { appContext } = await import('./context.js');
  return profileIdToken(name, await appContext(io, { verbose, json: false }));
}

async function readTokenFile(path: string): Promise<string> {
  try {
    return (await readInputFile(path, MAX_TOKEN_INPUT_BYTES)).toString('utf8');
  } catch (error) {
    if (error instanceof UsageError && error.code === Code.FILE_TOO_LARGE.code) {
      throw new UsageError(Code.INPUT_TOO_LARGE, `${path} is larger than 1 MiB; a token is never that long`, { hint: 'Point --file at a file holding only the token, or the token response.' });
    }
    if (error instanceof UsageError) throw error;
    throw new UsageError(Code.FILE_UNREADABLE, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: 'Check the path and its permissions.', cause: error });
  }
}

/** True for an argument that names an existing file rather than being a token. */
async function isExistingFile(argument: string): Promise<boolean> {
  if (argument.length > 4096 || /^eyJ/.test(argument) || argument.includes('\0')) return false;
  return stat(argument).then((entry) => entry.isFile(), () => false);
}

async function readTokenInput(token: string | undefined, file: string | undefined, io: Io): Promise<string> {
  if (file !== undefined && token !== undefined) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, 'give either a token or --file PATH, not both', { hint: 'tokenctl decode --file token.txt' });
  }
  if (file !== undefined) return readTokenFile(file);
  if (token !== undefined && token.startsWith('@') && token.length > 1) return readTokenFile(token.slice(1));
  if (token !== undefined && token !== '-') {
    // A file name is not a token: say so rather than report it as a malformed JWT.
    if (await isExistingFile(token)) {
      throw new UsageError(Code.TOKEN_IS_A_FILE, `${token} is a file, not a token`, { hint: `To decode the token in it: tokenctl decode --file ${token} (or @${token}).` });
    }
    return token;
  }
  if (token === undefined && io.stdin.isTTY) {
    throw new UsageError(Code.NO_TOKEN, 'no token given', {
      hint: 'Pass the token as an argument, or pipe it in: tokenctl decode < token.txt',
    });
  }
  const input = await io.stdin.readAll(MAX_TOKEN_INPUT_BYTES);
  if (input === 'too-large') {
    throw new UsageError(Code.INPUT_TOO_LARGE, 'input on stdin is larger than 1 MiB; a token is never that long', {
      hint: 'Pipe in only the token, not a whole log file or response body.',
    });
  }
  return input.toString('utf8');
}

/** The --json document: the token exactly as decoded, plus what tokenctl concluded about it. */
function jsonDocument(ex: Explanation, verification: Verification | undefined) {
  return {
    header: ex.header,
    payload: ex.payload,
    signature: {
      algorithm: ex.signature.algorithm ?? null,
      keyId: ex.signature.keyId ?? null,
      present: ex.signature.present,
      verified: verification !== undefined,
      ...(verification ? { keySource: verification.keySource } : {}),
    },
    status: {
      state: ex.validity.state,
      summary: ex.validity.summary,
      secondsLeft: ex.validity.secondsLeft === undefined ? null : Math.round(ex.validity.secondsLeft),
    },
    times: Object.fromEntries(ex.times.map((t) => [t.name, t.iso])),
    notes: ex.observations,
  };
}

export async function decodeCommand(options: DecodeOptions, io: Io): Promise<void> {
  if (options.profile !== undefined && options.token !== undefined) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, 'give either a token or -p NAME, not both', { hint: 'tokenctl decode -p NAME decodes the profile\'s current token.' });
  }
  if (options.idToken && options.profile === undefined) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--id-token decodes the ID token of a profile: name it with -p', { hint: 'tokenctl decode -p NAME --id-token' });
  }
  const text = options.idToken
    ? await profileIdTokenText(options.profile as string, io, options.verbose)
    : options.profile !== undefined
      ? await profileTokenText(options.profile, io, options.verbose)
      : await readTokenInput(options.token, options.file, io);
  const token = parseCompactJwt(cleanTokenInput(text));
  const explanation = explainToken(token, io.now(), options.leewaySeconds);

  let verification: Verification | undefined;
  if (options.verify) {
    const { chooseKeySource, verifySignature, defaultVerifyDeps } = await import('../jwt/verify.js');
    const source = chooseKeySource(options, token.payload);
    if (options.verbose) io.stderr.write(io.stderr.color.dim(`verifying with keys from ${source.kind === 'discovery' ? source.metadataUrl.href : source.kind === 'jwks-url' ? source.url.href : source.path}\n`));
    const { loadExtraCaPems } = await import('../http/ca.js');
    const transport = { extraCaPems: await loadExtraCaPems(options.caFile, io.env) };
    const deps = defaultVerifyDeps(VERIFY_TIMEOUT_MS, transport);
    // The URL comes from an untrusted token (its iss) or from metadata: say what is fetched before fetching it.
    const announced = { ...deps, getJson: (url: URL, what: string) => (io.stderr.write(`tokenctl: fetching the ${what} ${escapeControl(url.href)}\n`), deps.getJson(url, what)) };
    verification = await verifySignature(token, source, announced);
  }

  const unmet = unmetExpectations(token.payload, { audience: options.expectAudience, issuer: options.expectIssuer, roles: options.expectRoles, scopes: options.expectScopes });
  if (unmet.length > 0) {
    throw new CheckFailedError(Code.EXPECTATION_FAILED, `the token does not meet expectations: ${unmet.join('; ')}`, {
      hint: 'Request the token for the right resource (scope or audience), or check which issuer the API trusts.',
    });
  }
  if (options.requireValid && (explanation.validity.state === 'expired' || explanation.validity.state === 'not-yet-valid')) {
    throw new CheckFailedError(explanation.validity.state === 'expired' ? Code.TOKEN_EXPIRED : Code.TOKEN_NOT_YET_VALID, `the token is ${explanation.validity.summary}`, {
      hint: explanation.validity.state === 'expired' ? 'Request a new token.' : 'Check the clocks; --leeway SECONDS tolerates a small skew.',
    });
  }

  if (options.claim !== undefined) {
    const found = claimAt(token.payload, options.claim);
    if (!found) {
      const names = Object.keys(token.payload).join(', ');
      throw new CheckFailedError(Code.CLAIM_MISSING, `the token has no ${JSON.stringify(options.claim)} claim`, { hint: `Its claims are: ${names || 'none'}. A dotted path reaches inside objects and lists: realm_access.roles, resource_access.CLIENT.roles, roles.0.` });
    }
    const value = found.value;
    io.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
    return;
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(jsonDocument(explanation, verification), null, 2)}\n`);
    return;
  }
  io.stdout.write(renderExplanation(explanation, verification, io.stdout.color));
}
