import { Argument, Command, CommanderError, Option, type OptionValues } from '@commander-js/extra-typings';
import type { CodeWithExit, ExitCode } from './codes.js';
import { Code, UsageError } from './errors.js';
import type { GlobalOptions, Io } from './output/io.js';
import { VERSION } from './version.js';
import type { DecodeOptions } from './commands/decode.js';
import type { TokenOptions } from './commands/token.js';
import type { ExecOptions } from './commands/exec.js';
import type { GitCredentialOptions } from './commands/git-credential.js';
import type { ConfigureOptions } from './commands/configure.js';
import type { Expectations } from './profiles/expectations.js';
import { SECONDS_RANGES, ASSERTION_ALGORITHMS, AUTH_METHODS, CLOUD_NAMES, OUTPUT_FORMATS, SHELLS, STORE_KINDS } from './choices.js';
import type { RequestSettings } from './oauth/settings.js';
import { collect, collectParam, endpointUrlOption, givenOnly, seconds } from './cli-values.js';
import { addSignInCommands, addSignInConfigureOptions, SIGN_IN_COMMANDS, signInSettingsFrom } from './cli-signin.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    internal error (a bug)
  2    usage or invalid input (unknown flag; malformed URL, JWT or certificate; missing value)
  3    profile not found
  4    secret store unavailable, locked, or secret missing; or a secret command
       (--client-secret-command) failed, printed nothing, or was killed at --timeout
  5    the identity provider rejected the request (OAuth error response)
  6    network, TLS, timeout, or an unusable response from the identity provider
  7    a check failed (expectation, signature, token expired under --require-valid)
  8    the profile's lock was held by another tokenctl past its bound, or cannot be taken
       (waiting for a live one that is fetching the token is not an error)
  9    a sign-in profile needs a new sign-in: run tokenctl login -p NAME
  126  exec: the command cannot be run (127: no such command); otherwise exec exits with the command's status
  130  interrupted (Ctrl-C at a prompt, or while a secret command ran): nothing was written

Environment:
  NO_COLOR, FORCE_COLOR   turn colour off or on (colour is used only on a terminal)
  TOKENCTL_ALLOWED_HOSTS  hosts credentials may be sent to, e.g. login.microsoftonline.com,*.corp.example
  GITHUB_ACTIONS, TF_BUILD  under GitHub Actions or Azure Pipelines, a token is registered with the
                          log masker (on stderr) before it is printed or handed to a command
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

const TOKEN_EXAMPLES = `
Examples:
  Entra ID with a client secret (from the environment, never from argv):
  $ TOKENCTL_CLIENT_SECRET=... tokenctl token --tenant contoso.onmicrosoft.com \\
      --client-id 2974926a-0818-407b-a86c-b7616ce3a81a --resource api://cdc128ef-09ca-46ca-a349-57c0c248cad7

  Entra ID with a certificate (PEM, .pfx or .jks; password in TOKENCTL_CERTIFICATE_PASSWORD):
  $ tokenctl token --tenant 9660ad26-896d-4438-a013-e3ee23b57b7c --client-id 2974926a-... \\
      --certificate ./erp-client.pfx --resource https://graph.microsoft.com

  Any OAuth server, secret on stdin, sent in the request body:
  $ tokenctl token --token-url https://auth.example.com/as/token.oauth2 --client-id svc \\
      --client-secret-stdin --scope lca.invoke --auth-method client_secret_post < secret.txt

  In a pipeline: only the token on stdout, nothing at all when it fails:
  $ TOKEN=$(tokenctl token --issuer https://idp.example.com --client-id svc --scope read) || exit $?
  $ curl -H "$(tokenctl token ... -o header)" https://api.example.com/orders

  The secret from a secret manager's CLI, run without a shell, for this request only:
  $ tokenctl token --token-url https://auth.example.com/oauth2/token --client-id svc \\
      --client-secret-command 'vault kv get -field=client_secret secret/svc'

  As a kubectl credential plugin (users[].user.exec in the kubeconfig; see tokenctl exec too):
  $ tokenctl token -p aks -o kubectl       prints an ExecCredential in the apiVersion kubectl asks for
`;

const EXEC_EXAMPLES = `
Examples:
  $ tokenctl exec -p erp -- ./deploy.sh                  the token in ACCESS_TOKEN, never in argv
  $ tokenctl exec -p erp --env API_TOKEN -- python sync.py
  $ tokenctl exec -p erp --env API_TOKEN --env API_TOKEN_EXPIRES=expires_at -- make release
  $ tokenctl exec -p erp -- sh -c 'curl -sf -H "Authorization: Bearer $ACCESS_TOKEN" https://api.example.com/orders'

Fields for --env VAR=FIELD: access_token (the default), token_type, expires_in, expires_at, scope.
The command gets stdin, stdout and stderr as they are, and the signals tokenctl receives; tokenctl
exits with its status (128+N when signal N ended it). When no token can be had, tokenctl exits with
its own code and the command never starts. TOKENCTL_CLIENT_SECRET and tokenctl's other secret
variables are removed from the command's environment.
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

const MIN_VALIDITY_HELP = 'reuse a cached token only while it has this long left, at most a day (default 300)';

/** Options of the token request engine, shared by every command that requests a token. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's own bound for argument lists
function addRequestOptions<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return command
    .option('--tenant <id-or-domain>', 'Entra ID tenant: the Directory (tenant) ID or a verified domain')
    .addOption(new Option('--cloud <cloud>', 'Entra ID cloud (default public)').choices(CLOUD_NAMES))
    .option('--authority-host <url>', 'Entra ID authority host, for other clouds (AZURE_AUTHORITY_HOST)', endpointUrlOption('--authority-host'))
    .option('--token-url <url>', 'token endpoint of any OAuth 2.0 server', endpointUrlOption('--token-url'))
    .option('--issuer <url>', 'issuer of any OpenID/OAuth server: the token endpoint is discovered', endpointUrlOption('--issuer'))
    .option('--client-id <id>', 'client ID (Entra ID: Application (client) ID; default AZURE_CLIENT_ID)')
    .option('--client-secret-stdin', 'read the client secret from stdin (a masked prompt on a terminal)')
    .option('--client-secret-file <path>', 'read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)')
    .option('--client-secret-command <command>', "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret; configure saves the command, not the secret")
    .option('--certificate <path>', 'client certificate: PEM (with its key, or see --private-key), PKCS#12 (.pfx/.p12) or a Java keystore (.jks)')
    .option('--private-key <path>', 'PEM private key, when not in the --certificate file')
    .option('--certificate-password-stdin', 'read the store (PKCS#12, JKS) or key password from stdin (default: TOKENCTL_CERTIFICATE_PASSWORD)')
    .option('--certificate-password-command <command>', 'run this command (no shell) and use what it prints as the store password; configure saves the command')
    .option('--certificate-alias <name>', 'which entry of a PKCS#12 or JKS store holding several')
    .option('--thumbprint <hex>', 'fail unless the certificate has this SHA-1 thumbprint (40 hex, colons allowed)')
    .addOption(new Option('--assertion-alg <alg>', 'client assertion algorithm (Entra default PS256 with x5t#S256; RS256 uses x5t)').choices(ASSERTION_ALGORITHMS))
    .option('--send-x5c', 'include the certificate chain in the assertion (Entra subject name + issuer auth)')
    .option('--assertion-lifetime <seconds>', 'client assertion lifetime, at most 600 (default 300)', seconds(SECONDS_RANGES.assertionLifetime))
    .option('--assertion-audience <aud>', 'generic servers: token-endpoint, issuer, or a URL (default: the issuer when known, else the token endpoint)')
    .option('--client-assertion-file <path>', 'federated token to authenticate with, re-read for every request (default AZURE_FEDERATED_TOKEN_FILE)')
    .addOption(new Option('--auth-method <method>', 'how the client authenticates').choices(AUTH_METHODS))
    .option('--scope <scope>', 'scope to request; repeatable or space-separated', collect)
    .option('--resource <uri>', 'Entra ID: the API (sent as scope URI/.default); others: RFC 8707 resource; repeatable', collect)
    .option('--audience <aud>', 'audience parameter (Auth0-style servers)')
    .option('--param <key=value>', 'extra body parameter; repeatable', collectParam)
    .option('--timeout <seconds>', 'bound on the whole command, retries included, 1 to 3600 (default 30)', seconds(SECONDS_RANGES.timeout))
    .option('--proxy <url>', 'HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)')
    .option('--ca-file <pem>', 'also trust this CA certificate (NODE_EXTRA_CA_CERTS works too)');
}

const PROFILE_OPTION = '-p, --profile <name>';
const PROFILE_HELP = 'profile name (default: TOKENCTL_PROFILE, else "default")';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's own bound for argument lists
function addExpectationOptions<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return command
    .option('--expect-aud <audience>', 'the token must be for this audience')
    .option('--expect-iss <issuer>', 'the token must come from this issuer')
    .option('--expect-role <role>', 'the token must carry this role; repeatable', collect)
    .option('--expect-scope <scope>', 'the token must carry this scope; repeatable', collect);
}

interface ExpectationFlags {
  expectAud?: string;
  expectIss?: string;
  expectRole?: string[];
  expectScope?: string[];
}

function expectationsFrom(flags: ExpectationFlags): Expectations {
  const e: Expectations = {};
  if (flags.expectAud) e.audience = flags.expectAud;
  if (flags.expectIss) e.issuer = flags.expectIss;
  if (flags.expectRole) e.roles = flags.expectRole;
  if (flags.expectScope) e.scopes = (flags.expectScope).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  return e;
}

/** The parsed request options, as commander types them. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no options of its own
type RequestFlags = ReturnType<ReturnType<typeof addRequestOptions<[], {}, {}>>['opts']>;

const secretSourcesFrom = (flags: RequestFlags) => ({
  clientSecretStdin: Boolean(flags.clientSecretStdin),
  clientSecretFile: flags.clientSecretFile,
  clientSecretCommand: flags.clientSecretCommand,
  certificatePasswordStdin: Boolean(flags.certificatePasswordStdin),
  certificatePasswordCommand: flags.certificatePasswordCommand,
});

const SIGN_IN_CONFIGURE_EXAMPLES = `
  A sign-in profile: a user signs in with tokenctl login (no secret: a public client).
  $ tokenctl configure -p sso --grant authorization_code --issuer https://idp.example.com --client-id cli --scope profile
  $ tokenctl configure -p me --grant device_code --tenant contoso.onmicrosoft.com --client-id 2974926a-... --scope User.Read
`;

const CONFIGURE_EXAMPLES = `
Examples:
  Interactive, on a terminal: asks for what is missing, validates live, saves.
  $ tokenctl configure -p erp

  Entra ID with a secret, from a script (the secret from stdin, never argv):
  $ tokenctl configure -p erp --tenant contoso.onmicrosoft.com --client-id 2974926a-... \\
      --resource api://cdc128ef-09ca-46ca-a349-57c0c248cad7 --client-secret-stdin < secret.txt

  Entra ID with a certificate, and what the token must carry:
  $ tokenctl configure -p erp-cert --tenant 9660ad26-... --client-id 2974926a-... \\
      --certificate ./erp.pfx --certificate-password-stdin --resource api://orders --expect-role Orders.Read

  Any OAuth server, secret in the request body, saved without a live check:
  $ TOKENCTL_CLIENT_SECRET=... tokenctl configure -p lca --token-url https://auth.example.com/as/token.oauth2 \\
      --client-id svc --scope lca.invoke --auth-method client_secret_post --no-validate

  Headless box without a keychain: an encrypted file instead, never plain text.
  $ TOKENCTL_PASSPHRASE=... tokenctl configure -p ci --store file ...

  The secret stays in a secret manager: the profile saves the command (run without a shell), not the secret.
  $ tokenctl configure -p erp --tenant contoso.onmicrosoft.com --client-id 2974926a-... --resource api://orders \\
      --client-secret-command 'vault kv get -field=client_secret secret/erp'
  $ tokenctl configure -p erp ... --client-secret-command 'az keyvault secret show --vault-name kv-erp --name erp-client --query value -o tsv'
  $ tokenctl configure -p erp ... --client-secret-command 'op read op://Automation/erp-client/credential'
  $ tokenctl configure -p erp-cert ... --certificate ./erp.pfx --certificate-password-command 'vault kv get -field=pfx_password secret/erp'
`;

/** The request settings given on the command line, as plain data (unset options stay unset). */
function requestSettingsFrom(flags: RequestFlags): RequestSettings {
  const settings: RequestSettings = {
    tenant: flags.tenant,
    cloud: flags.cloud,
    authorityHost: flags.authorityHost,
    tokenUrl: flags.tokenUrl,
    issuer: flags.issuer,
    clientId: flags.clientId,
    authMethod: flags.authMethod,
    scopes: flags.scope,
    resources: flags.resource,
    audience: flags.audience,
    params: flags.param,
    certificatePath: flags.certificate,
    privateKeyPath: flags.privateKey,
    certificateAlias: flags.certificateAlias,
    thumbprint: flags.thumbprint,
    assertionAlgorithm: flags.assertionAlg,
    sendX5c: flags.sendX5c,
    assertionLifetimeSeconds: flags.assertionLifetime,
    assertionAudience: flags.assertionAudience,
    clientAssertionFile: flags.clientAssertionFile,
    timeoutSeconds: flags.timeout,
    proxy: flags.proxy,
    caFile: flags.caFile,
  };
  return givenOnly(settings);
}

/** commander's own error codes, as catalogue entries. */
const COMMANDER_CODES: Record<string, CodeWithExit<typeof ExitCode.usage>> = {
  'commander.unknownCommand': Code.UNKNOWN_COMMAND,
  'commander.unknownOption': Code.UNKNOWN_OPTION,
  'commander.missingArgument': Code.MISSING_ARGUMENT,
  'commander.optionMissingArgument': Code.OPTION_MISSING_ARGUMENT,
  'commander.missingMandatoryOptionValue': Code.OPTION_MISSING_ARGUMENT,
  'commander.excessArguments': Code.EXCESS_ARGUMENTS,
  'commander.invalidArgument': Code.INVALID_ARGUMENT,
  'commander.conflictingOption': Code.CONFLICTING_OPTIONS,
};

function commanderToUsageError(error: CommanderError, argv: readonly string[]): UsageError {
  const code = COMMANDER_CODES[error.code] ?? Code.USAGE;
  const command = error.code === 'commander.unknownCommand' ? undefined : argv.find((word) => !word.startsWith('-'));
  const helpCommand = command ? `tokenctl ${command} --help` : 'tokenctl --help';
  if (error.code === 'commander.unknownOption' && /--client-secret\b(?!-)/.test(error.message)) {
    return new UsageError(Code.SECRET_ON_COMMAND_LINE, 'a client secret is never accepted on the command line: other users can read it in the process list and it stays in your shell history', {
      hint: "Use TOKENCTL_CLIENT_SECRET, --client-secret-stdin, --client-secret-file PATH, or --client-secret-command 'CMD …' (a secret manager's CLI).",
    });
  }
  if (error.code === 'commander.help') {
    return new UsageError(Code.NO_COMMAND, 'no command given', { hint: 'Run tokenctl --help to see the commands.' });
  }
  if (command === 'exec' && error.code === 'commander.unknownOption') {
    return new UsageError(code, error.message.replace(/^error: /, ''), { hint: "Put -- between tokenctl's options and the command: tokenctl exec -p NAME -- COMMAND ARGS…" });
  }
  return new UsageError(code, error.message.replace(/^error: /, ''), { hint: `Run ${helpCommand} for the options.` });
}

const COMMAND_NAMES = ['decode', 'token', 'exec', 'git-credential', 'configure', 'validate', 'remove', 'list', 'show', 'doctor', 'discover', ...SIGN_IN_COMMANDS, 'completion'] as const;

/**
 * The command this argv runs, when it names one whose options are all it needs: commander would
 * otherwise build every command's options before parsing, and start-up is what every call pays.
 * Global options take no values, so the first word that is not an option is the command.
 */
export function commandToBuild(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((arg) => !arg.startsWith('-'));
  const word = argv[at];
  // `tokenctl --help token` is the program's help, which lists every command.
  if (argv.slice(0, at).some((arg) => arg === '-h' || arg === '--help')) return undefined;
  // completion describes the whole program, and an unknown word needs every name for suggestions.
  return word !== 'completion' && COMMAND_NAMES.some((name) => name === word) ? word : undefined;
}

/**
 * The whole command line as a commander program; also the source of the shell completion scripts.
 * With `only`, just that command is built (see commandToBuild).
 */
export function buildProgram(io: Io, only?: string, outcome: { status?: number } = {}): Command {
  const builds = (name: (typeof COMMAND_NAMES)[number]) => only === undefined || only === name;
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

  // Program options are parsed wherever they appear on the line, so after parsing they are all here.
  const globals = (): GlobalOptions => {
    const all = program.opts();
    return { json: Boolean(all.json), verbose: Boolean(all.verbose), color: all.color };
  };

  if (builds('decode')) {
    program
      .command('decode')
      .summary('explain a JWT offline: header, claims, times, and what they mean')
      .description('Decode a JWT and explain it. The signature is verified only with --verify, --jwks or --key.')
      .argument('[token]', 'the token (or a pasted response, header or log line); @PATH reads a file; omit it or pass - to read stdin')
      .option('--file <path>', 'read the token from this file (a token, a token response, a header, …)')
      .option('--claim <name>', 'print one claim, or a dotted path (realm_access.roles): a string raw, anything else as JSON')
      .option('--require-valid', 'exit 7 if the token is expired or not yet valid')
      .option('--leeway <seconds>', 'clock tolerance for --require-valid and --verify, at most a day', seconds(SECONDS_RANGES.clockTolerance), 0)
      .option('--verify', "verify the signature with the keys the issuer publishes ({iss}/.well-known/openid-configuration)")
      .option('--jwks <url-or-file>', 'verify against this JWKS (implies --verify)')
      .option('--key <file>', 'verify against this public key: PEM (SPKI or certificate) or JWK (implies --verify)')
      .option('--expect-aud <audience>', 'exit 7 unless aud is (or contains) this value')
      .option('--expect-iss <issuer>', 'exit 7 unless iss is exactly this value')
      .option('--expect-role <role>', 'exit 7 unless the token carries this role (roles, realm_access, resource_access); repeatable', collect)
      .option('--expect-scope <scope>', 'exit 7 unless the token carries this scope (scp, scope, permissions); repeatable', collect)
      .option('--ca-file <pem>', 'also trust this CA when fetching keys (NODE_EXTRA_CA_CERTS works too)')
      .option(PROFILE_OPTION, "decode this profile's current token (from the cache, fetched if needed)")
      .option('--id-token', "with -p: the profile's ID token (who signed in) instead of its access token")
      .addHelpText('after', DECODE_EXAMPLES)
      .action(async (token, flags) => {
        const options: DecodeOptions = {
          ...globals(),
          token,
          file: flags.file,
          expectRoles: flags.expectRole ?? [],
          expectScopes: flags.expectScope ?? [],
          claim: flags.claim,
          requireValid: Boolean(flags.requireValid),
          leewaySeconds: flags.leeway,
          verify: Boolean(flags.verify || flags.jwks || flags.key),
          jwks: flags.jwks,
          keyFile: flags.key,
          expectAudience: flags.expectAud,
          expectIssuer: flags.expectIss,
          caFile: flags.caFile,
          profile: flags.profile,
          idToken: Boolean(flags.idToken),
        };
        const { decodeCommand } = await import('./commands/decode.js');
        await decodeCommand(options, io);
      });
  }

  if (builds('token')) {
    addRequestOptions(
      program
        .command('token')
        .summary('request an access token (client credentials) and print it')
        .description('Request an access token with the client-credentials grant and print it on stdout. Nothing is printed on stdout when it fails.'),
    )
      .option(PROFILE_OPTION, `use a saved profile; ${PROFILE_HELP}`)
      .option('--min-validity <seconds>', MIN_VALIDITY_HELP, seconds(SECONDS_RANGES.clockTolerance), 300)
      .option('--refresh', 'fetch a new token even if the cached one is still good')
      .option('--no-cache', 'neither read nor write the token cache')
      .addOption(new Option('-o, --output <format>', 'raw (the token alone), json, header (Authorization: Bearer …), env (export ACCESS_TOKEN=…) or kubectl (an ExecCredential)').choices(OUTPUT_FORMATS).default('raw'))
      .addHelpText('after', TOKEN_EXAMPLES)
      .action(async (flags) => {
        const options: TokenOptions = {
          ...globals(),
          profile: flags.profile,
          settings: requestSettingsFrom(flags),
          secrets: secretSourcesFrom(flags),
          output: flags.output,
          minValiditySeconds: flags.minValidity,
          refresh: Boolean(flags.refresh),
          noCache: !flags.cache,
        };
        const { tokenCommand } = await import('./commands/token.js');
        await tokenCommand(options, io);
      });
  }

  if (builds('exec')) {
    addRequestOptions(
      program
        .command('exec')
        .summary("run a command with a profile's token in its environment")
        .description('Run COMMAND with the access token in its environment (ACCESS_TOKEN unless --env says otherwise), never in its arguments. Put -- before the command.')
        .argument('<command...>', 'the command and its arguments, after --'),
    )
      .option(PROFILE_OPTION, `use a saved profile; ${PROFILE_HELP}`)
      .option('--env <var[=field]>', 'put the access token (or FIELD of it) in VAR; repeatable', collect)
      .option('--min-validity <seconds>', MIN_VALIDITY_HELP, seconds(SECONDS_RANGES.clockTolerance), 300)
      .option('--refresh', 'fetch a new token even if the cached one is still good')
      .option('--no-cache', 'neither read nor write the token cache')
      .addHelpText('after', EXEC_EXAMPLES)
      .action(async (words, flags) => {
        const [name, ...args] = words as [string, ...string[]];
        const options: ExecOptions = {
          ...globals(),
          profile: flags.profile,
          settings: requestSettingsFrom(flags),
          secrets: secretSourcesFrom(flags),
          minValiditySeconds: flags.minValidity,
          refresh: Boolean(flags.refresh),
          noCache: !flags.cache,
          env: flags.env ?? [],
          command: name,
          args,
        };
        const { execCommand } = await import('./commands/exec.js');
        outcome.status = await execCommand(options, io);
      });
  }

  if (builds('git-credential')) {
    program
      .command('git-credential')
      .summary("git credential helper: a profile's token as the password for https remotes")
      .description("Speak git's credential-helper protocol: for get, answer with the profile's access token as the password (for hosts that take an OAuth token, such as Azure DevOps with an Entra ID service principal); store and erase change nothing. Only https remotes get a token (plain http only on loopback).")
      .argument('<operation>', 'get, store or erase: git passes it')
      .option(PROFILE_OPTION, `use a saved profile; ${PROFILE_HELP}`)
      .option('--host <name>', 'answer only for this host (name or name:port); repeatable', collect)
      .option('--username <name>', 'the username to answer with (default: the one git sent, else "tokenctl")')
      .option('--min-validity <seconds>', MIN_VALIDITY_HELP, seconds(SECONDS_RANGES.clockTolerance), 300)
      .addHelpText('after', `
Examples:
  $ git config --global credential.https://dev.azure.com.helper '!tokenctl git-credential -p ado'
  $ git clone https://dev.azure.com/contoso/erp/_git/erp

  Try it the way git calls it:
  $ printf 'protocol=https\\nhost=dev.azure.com\\n\\n' | tokenctl git-credential -p ado get
`)
      .action(async (operation, flags) => {
        const options: GitCredentialOptions = {
          ...globals(),
          profile: flags.profile,
          settings: {},
          secrets: {},
          minValiditySeconds: flags.minValidity,
          refresh: false,
          noCache: false,
          operation,
          username: flags.username,
          hosts: flags.host ?? [],
        };
        const { gitCredentialCommand } = await import('./commands/git-credential.js');
        await gitCredentialCommand(options, io);
      });
  }

  if (builds('configure')) {
    addSignInConfigureOptions(
      addExpectationOptions(
      addRequestOptions(
        program
          .command('configure')
          .summary('create or update a profile: validated live, secrets in the OS keychain')
          .description('Create or update a named profile. Only the values given change; the stored secret is kept unless a new one is supplied. Unless --no-validate, a live token request must succeed before anything is saved.')
          .option(PROFILE_OPTION, PROFILE_HELP),
      ),
    ))
      .addOption(new Option('--store <store>', 'where secrets go: keychain (default) or file (AES-256-GCM, passphrase from TOKENCTL_PASSPHRASE)').choices(STORE_KINDS))
      .option('--no-validate', 'save without a live token request')
      .option('--secret-expires <date>', 'when the client secret expires (YYYY-MM-DD), for warnings before it does')
      .addHelpText('after', CONFIGURE_EXAMPLES)
      .addHelpText('after', SIGN_IN_CONFIGURE_EXAMPLES)
      .action(async (flags) => {
        const options: ConfigureOptions = {
          ...globals(),
          profile: flags.profile,
          settings: { ...requestSettingsFrom(flags), ...signInSettingsFrom(flags) },
          secrets: secretSourcesFrom(flags),
          publicClient: Boolean(flags.publicClient),
          store: flags.store,
          validate: flags.validate,
          expectations: expectationsFrom(flags),
          secretExpires: flags.secretExpires,
        };
        const { configureCommand } = await import('./commands/configure.js');
        await configureCommand(options, io);
      });
  }

  if (builds('validate')) {
    addExpectationOptions(
      program
        .command('validate')
        .summary("request a token for a profile now, bypassing the cache, and check it")
        .description("Request a token for a profile now, bypassing and not touching the cache; report what the identity provider said and check the profile's expectations (and any given here).")
        .option(PROFILE_OPTION, PROFILE_HELP)
        .option('--curl', 'print an equivalent curl command instead of sending the request (secrets stay out of it)'),
    )
      .addHelpText('after', `
Examples:
  $ tokenctl validate -p erp
  $ tokenctl validate -p erp --expect-role Solver --json
  $ tokenctl validate -p erp --curl        print the same request as a curl command (secrets as variables)
`)
      .action(async (flags) => {
        const { validateCommand } = await import('./commands/validate.js');
        await validateCommand({ ...globals(), profile: flags.profile, settings: {}, expectations: expectationsFrom(flags), curl: Boolean(flags.curl) }, io);
      });
  }

  if (builds('remove')) {
    program
      .command('remove')
      .summary('delete a profile, its secrets and its cached token')
      .option(PROFILE_OPTION, PROFILE_HELP)
      .option('--all', 'remove every profile')
      .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
      .addHelpText('after', `
Examples:
  $ tokenctl remove -p erp
  $ tokenctl remove --all --yes
`)
      .action(async (flags) => {
        const { removeCommand } = await import('./commands/remove.js');
        await removeCommand({ ...globals(), profile: flags.profile, all: Boolean(flags.all), yes: Boolean(flags.yes) }, io);
      });
  }

  if (builds('list')) {
    program
      .command('list')
      .summary('list profiles: provider, client, auth method, store, validation, cached token')
      .addHelpText('after', `
Examples:
  $ tokenctl list
  $ tokenctl list --json | jq -r '.[].name'
`)
      .action(async () => {
        const { listCommand } = await import('./commands/list.js');
        await listCommand(globals(), io);
      });
  }

  if (builds('show')) {
    program
      .command('show')
      .summary('show one profile in full (secrets only as stored or missing)')
      .option(PROFILE_OPTION, PROFILE_HELP)
      .addHelpText('after', `
Examples:
  $ tokenctl show -p erp
  $ tokenctl show -p erp --json
`)
      .action(async (flags) => {
        const { showCommand } = await import('./commands/show.js');
        await showCommand({ ...globals(), profile: flags.profile }, io);
      });
  }

  if (builds('doctor')) {
    program
      .command('doctor')
      .summary('check this machine, the keychain and the profiles; say what to fix')
      .description('Check the runtime, the config dir, the secret store, proxy and CA settings, and each profile (secrets, certificate and secret expiry, validation, cached token). Never prints a secret. Exit 0 when nothing is wrong, 7 when a problem was found.')
      .option(PROFILE_OPTION, 'check only this profile')
      .option('--online', "also compare this machine's clock with each identity provider's")
      .addHelpText('after', `
Examples:
  $ tokenctl doctor
  $ tokenctl doctor -p erp --online
  $ tokenctl doctor --json > doctor.json     (attach it to a support ticket)
`)
      .action(async (flags) => {
        const { doctorCommand } = await import('./commands/doctor.js');
        await doctorCommand({ ...globals(), profile: flags.profile, online: Boolean(flags.online) }, io);
      });
  }

  if (builds('discover')) {
    program
      .command('discover')
      .summary("show an authorization server's endpoints and capabilities, and check its metadata")
      .description("Fetch the issuer's OpenID Connect / RFC 8414 metadata and show what configuring single sign-on needs: the authorization, token, userinfo, introspection, revocation, device and JWKS endpoints; the grants, client authentication methods, PKCE methods and scopes it supports. Checks it too (https, issuer equality, required fields): exit 7 when a check fails.")
      .option('--issuer <url>', 'the issuer, exactly as the server names itself', endpointUrlOption('--issuer'))
      .option('--tenant <id-or-domain>', 'an Entra ID tenant (its v2.0 issuer)')
      .addOption(new Option('--cloud <cloud>', 'Entra ID cloud (default public)').choices(CLOUD_NAMES))
      .option('--authority-host <url>', 'Entra ID authority host, for other clouds', endpointUrlOption('--authority-host'))
      .option(PROFILE_OPTION, "the profile's issuer or tenant")
      .option('--timeout <seconds>', 'bound on the whole command, 1 to 3600 (default 30)', seconds(SECONDS_RANGES.timeout))
      .option('--proxy <url>', 'HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)')
      .option('--ca-file <pem>', 'also trust this CA certificate')
      .addHelpText('after', `
Examples:
  $ tokenctl discover --issuer https://idp.example.com
  $ tokenctl discover --tenant contoso.onmicrosoft.com --json | jq .endpoints
  $ tokenctl discover -p sso
`)
      .action(async (raw) => {
        const { discoverCommand } = await import('./commands/discover.js');
        await discoverCommand({ ...globals(), profile: raw.profile, settings: { issuer: raw.issuer, tenant: raw.tenant, cloud: raw.cloud, authorityHost: raw.authorityHost, timeoutSeconds: raw.timeout, proxy: raw.proxy, caFile: raw.caFile } }, io);
      });
  }

  addSignInCommands(program, io, globals, builds);

  if (builds('completion')) {
    program
      .command('completion')
      .summary('print the shell completion script for bash, zsh, fish or powershell')
      .addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS))
      .addHelpText('after', `
Examples:
  $ tokenctl completion bash > ~/.local/share/bash-completion/completions/tokenctl
  $ tokenctl completion zsh > "\${fpath[1]}/_tokenctl"
  $ tokenctl completion fish > ~/.config/fish/completions/tokenctl.fish
  PS> tokenctl completion powershell | Out-String | Invoke-Expression     (add it to $PROFILE)
`)
      .action(async (shell) => {
        const { completionCommand } = await import('./commands/completion.js');
        completionCommand(shell, program, io);
      });
  }

  return program;
}

/** Runs the command line; resolves to an exit status when the command has one of its own (exec). */
export async function runCli(argv: string[], io: Io): Promise<number | undefined> {
  const outcome: { status?: number } = {};
  const program = buildProgram(io, commandToBuild(argv), outcome);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return undefined;
    throw commanderToUsageError(error, argv);
  }
  return outcome.status;
}
