import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { UsageError } from './errors.js';
import type { GlobalOptions, Io } from './output/io.js';
import { VERSION } from './version.js';
import type { DecodeOptions } from './commands/decode.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    internal error (a bug)
  2    usage or invalid input (unknown flag; malformed URL, JWT or certificate; missing value)
  3    profile not found
  4    secret store unavailable, locked, or secret missing
  5    the identity provider rejected the request (OAuth error response)
  6    network, TLS, timeout, or an unusable response from the identity provider
  7    a check failed (expectation, signature, token expired under --require-valid)
  130  interrupted (Ctrl-C at a prompt): nothing was written

Environment:
  NO_COLOR, FORCE_COLOR   turn colour off or on (colour is used only on a terminal)
`;

const DECODE_EXAMPLES = `
Examples:
  $ tokenctl decode eyJ0eXAiOiJKV1Qi...              decode and explain a token
  $ pbpaste | tokenctl decode                          read it from stdin (quotes, "Bearer " and line breaks are removed)
  $ tokenctl decode --claim roles < token.txt          print one claim (strings raw, anything else as JSON)
  $ tokenctl decode --require-valid --leeway 60 "$TOKEN" && echo usable
  $ tokenctl decode --verify "$TOKEN"                  verify the signature with the issuer's published keys
  $ tokenctl decode --jwks ./jwks.json --expect-aud api://my-api "$TOKEN"

Nothing leaves this machine unless --verify (or --jwks URL) asks for it.
`;

/** Reads the options that shape error output before commander has parsed anything. */
export function sniffGlobalOptions(argv: readonly string[]): GlobalOptions {
  const flags = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined);
  return {
    json: flags.includes('--json'),
    verbose: flags.includes('-v') || flags.includes('--verbose'),
    color: !flags.includes('--no-color'),
  };
}

function parseSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds.');
  return Number(value);
}

function commanderToUsageError(error: CommanderError, argv: readonly string[]): UsageError {
  const code = error.code
    .replace(/^commander\./, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
  const command = argv.find((word) => !word.startsWith('-'));
  const helpCommand = command ? `tokenctl ${command} --help` : 'tokenctl --help';
  if (error.code === 'commander.help') {
    return new UsageError('NO_COMMAND', 'no command given', { hint: 'Run tokenctl --help to see the commands.' });
  }
  return new UsageError(code, error.message.replace(/^error: /, ''), { hint: `Run ${helpCommand} for the options.` });
}

function buildProgram(io: Io): Command {
  const program = new Command('tokenctl')
    .description('OAuth 2.0 client-credentials tokens for machines, and an offline JWT explainer.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--json', 'machine-readable JSON on stdout; errors as one JSON object on stderr')
    .option('--no-color', 'never use colour')
    .option('-v, --verbose', 'diagnostics on stderr (secrets and tokens are redacted)')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => {},
    })
    .showSuggestionAfterError()
    .addHelpText('after', EXIT_CODES_HELP);

  const globals = (command: Command): GlobalOptions => {
    const all = command.optsWithGlobals<{ json?: boolean; verbose?: boolean; color?: boolean }>();
    return { json: Boolean(all.json), verbose: Boolean(all.verbose), color: all.color !== false };
  };

  program
    .command('decode')
    .summary('explain a JWT offline: header, claims, times, and what they mean')
    .description('Decode a JWT and explain it. The signature is verified only with --verify, --jwks or --key.')
    .argument('[token]', 'the token; omit it or pass - to read stdin')
    .option('--claim <name>', 'print one claim: a string raw, anything else as JSON')
    .option('--require-valid', 'exit 7 if the token is expired or not yet valid')
    .option('--leeway <seconds>', 'clock tolerance for --require-valid and --verify', parseSeconds, 0)
    .option('--verify', "verify the signature with the keys the issuer publishes ({iss}/.well-known/openid-configuration)")
    .option('--jwks <url-or-file>', 'verify against this JWKS (implies --verify)')
    .option('--key <file>', 'verify against this public key: PEM (SPKI or certificate) or JWK (implies --verify)')
    .option('--expect-aud <audience>', 'exit 7 unless aud is (or contains) this value')
    .option('--expect-iss <issuer>', 'exit 7 unless iss is exactly this value')
    .addHelpText('after', DECODE_EXAMPLES)
    .action(async (token: string | undefined, raw: Record<string, unknown>, command: Command) => {
      const options: DecodeOptions = {
        ...globals(command),
        token,
        claim: raw.claim as string | undefined,
        requireValid: Boolean(raw.requireValid),
        leewaySeconds: raw.leeway as number,
        verify: Boolean(raw.verify || raw.jwks || raw.key),
        jwks: raw.jwks as string | undefined,
        keyFile: raw.key as string | undefined,
        expectAudience: raw.expectAud as string | undefined,
        expectIssuer: raw.expectIss as string | undefined,
      };
      const { decodeCommand } = await import('./commands/decode.js');
      await decodeCommand(options, io);
    });

  return program;
}

export async function runCli(argv: string[], io: Io): Promise<void> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return;
    throw commanderToUsageError(error, argv);
  }
}
