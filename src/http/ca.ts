import { CliError, Code, UsageError } from '../errors.js';
import { FILE_LIMITS, readInputFile } from '../input-file.js';

async function readPem(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = (await readInputFile(path, FILE_LIMITS.caBundle)).toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new UsageError(Code.CA_FILE_UNREADABLE, `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(Code.CA_FILE_INVALID, `${what} ${path} holds no PEM certificate`, {
      hint: 'Give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----); convert DER with: openssl x509 -inform der -in ca.cer -out ca.pem',
    });
  }
  return text;
}

/**
 * Certificates to trust besides Node's bundled roots. Node already trusts NODE_EXTRA_CA_CERTS, but
 * only in its shared default store: a context given --ca-file gets a copy of the bundled roots
 * without them (see secureContextTrusting), so with --ca-file both are passed on explicitly.
 */
export async function loadExtraCaPems(caFile: string | undefined, env: Record<string, string | undefined>): Promise<string[] | undefined> {
  if (!caFile) return undefined;
  const pems = [await readPem(caFile, '--ca-file')];
  if (env.NODE_EXTRA_CA_CERTS) pems.push(await readPem(env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'));
  return pems;
}
