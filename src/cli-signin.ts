import { Argument, InvalidArgumentError, Option, type Command, type OptionValues } from '@commander-js/extra-typings';
import { CLOUD_NAMES, GRANTS, SECONDS_RANGES, type Cloud, type ProfileGrant } from './choices.js';
import { collectParam, endpointUrlOption, givenOnly, seconds } from './cli-values.js';
import type { RequestSettings } from './oauth/settings.js';
import type { GlobalOptions, Io } from './output/io.js';

/**
 * The user sign-in part of the command line: the options configure takes for sign-in profiles, and
 * the login, logout, userinfo, introspect and revoke commands. Only argv to typed options; each command
 * is imported when it runs.
 */

export const SIGN_IN_COMMANDS = ['login', 'logout', 'userinfo', 'introspect', 'revoke'] as const;

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new InvalidArgumentError('expected a port number from 1 to 65535.');
  return Number(value);
}

/** Endpoint URLs every sign-in command can take instead of (or on top of) discovery. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's own bound for argument lists
function addEndpointOptions<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return command
    .option('--revocation-url <url>', 'RFC 7009 revocation endpoint (default: from the issuer metadata)')
    .option('--introspection-url <url>', 'RFC 7662 introspection endpoint (default: from the issuer metadata)')
    .option('--userinfo-url <url>', 'OpenID Connect userinfo endpoint (default: from the issuer metadata)');
}

/** configure's options for user sign-in profiles. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's own bound for argument lists
export function addSignInConfigureOptions<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return addEndpointOptions(
    command
      .addOption(new Option('--grant <grant>', 'how tokens are obtained: as the app (client_credentials, the default) or for a user who signs in').choices(GRANTS))
      .option('--redirect-port <port>', 'fixed loopback port for the sign-in redirect, when the server wants the exact registered URI (default: any free port)', parsePort)
      .addOption(new Option('--redirect-host <host>', 'host name in the redirect URI (default 127.0.0.1, RFC 8252; Entra ID registers http://localhost: use localhost there)').choices(['127.0.0.1', 'localhost'] as const))
      .option('--authorize-url <url>', 'authorization endpoint, for a server without metadata (default: from --issuer, or Entra v2)')
      .option('--device-authorization-url <url>', 'RFC 8628 device authorization endpoint (default: from --issuer, or Entra v2)')
      .option('--public-client', 'the client has no secret (a sign-in profile; PKCE protects the code)'),
  );
}

/** The sign-in settings given on the command line, as plain data (unset options stay unset). */
export interface SignInFlags {
  grant?: ProfileGrant | undefined;
  redirectPort?: number | undefined;
  redirectHost?: '127.0.0.1' | 'localhost' | undefined;
  authorizeUrl?: string | undefined;
  deviceAuthorizationUrl?: string | undefined;
  revocationUrl?: string | undefined;
  introspectionUrl?: string | undefined;
  userinfoUrl?: string | undefined;
}

export function signInSettingsFrom(raw: SignInFlags): RequestSettings {
  const settings: RequestSettings = {
    grant: raw.grant,
    redirectPort: raw.redirectPort,
    redirectHost: raw.redirectHost,
    authorizeUrl: raw.authorizeUrl,
    deviceAuthorizationUrl: raw.deviceAuthorizationUrl,
    revocationUrl: raw.revocationUrl,
    introspectionUrl: raw.introspectionUrl,
    userinfoUrl: raw.userinfoUrl,
  };
  return givenOnly(settings);
}

const PROFILE_OPTION = '-p, --profile <name>';

/** The server and client of an endpoint tool when no profile is named. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander's own bound for argument lists
function addServerOptions<Args extends any[], Opts extends OptionValues, Globals extends OptionValues>(command: Command<Args, Opts, Globals>) {
  return addEndpointOptions(
    command
      .option(PROFILE_OPTION, "use this profile's server, client and (without TOKEN) current token")
      .option('--issuer <url>', 'the server, by its issuer (endpoints from its metadata)', endpointUrlOption('--issuer'))
      .option('--tenant <id-or-domain>', 'an Entra ID tenant')
      .addOption(new Option('--cloud <cloud>', 'Entra ID cloud (default public)').choices(CLOUD_NAMES))
      .option('--client-id <id>', 'the client to authenticate as')
      .option('--client-secret-stdin', 'read the client secret from stdin')
      .option('--client-secret-file <path>', 'read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)')
      .option('--client-secret-command <command>', "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret")
      .addOption(new Option('--auth-method <method>', 'how the client authenticates (none: a public client)').choices(['client_secret_basic', 'client_secret_post', 'none'] as const))
      .option('--timeout <seconds>', 'bound on the request, 1 to 3600 (default 30)', seconds(SECONDS_RANGES.timeout))
      .option('--proxy <url>', 'HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)')
      .option('--ca-file <pem>', 'also trust this CA certificate'),
  );
}

type ServerFlags = SignInFlags & { issuer?: string; tenant?: string; cloud?: Cloud; clientId?: string; authMethod?: 'client_secret_basic' | 'client_secret_post' | 'none'; timeout?: number; proxy?: string; caFile?: string };

function toolSettingsFrom(raw: ServerFlags): RequestSettings {
  const settings: RequestSettings = {
    ...signInSettingsFrom(raw),
    issuer: raw.issuer,
    tenant: raw.tenant,
    cloud: raw.cloud,
    clientId: raw.clientId,
    authMethod: raw.authMethod,
    timeoutSeconds: raw.timeout,
    proxy: raw.proxy,
    caFile: raw.caFile,
  };
  return givenOnly(settings);
}

const secretsFrom = (raw: { clientSecretStdin?: boolean; clientSecretFile?: string; clientSecretCommand?: string }) => ({
  clientSecretStdin: Boolean(raw.clientSecretStdin),
  clientSecretFile: raw.clientSecretFile,
  clientSecretCommand: raw.clientSecretCommand,
});

export function addSignInCommands<Opts extends OptionValues, Globals extends OptionValues>(
  program: Command<[], Opts, Globals>,
  io: Io,
  globals: () => GlobalOptions,
  builds: (name: (typeof SIGN_IN_COMMANDS)[number]) => boolean,
): void {
  if (builds('login')) {
    program
      .command('login')
      .summary('sign a user in (browser with PKCE, or --device) and keep the tokens with the profile')
      .description(
        "Sign a user in with the profile's client: the authorization code flow with PKCE through the browser and a one-time loopback redirect on 127.0.0.1, or the device flow (RFC 8628) with --device or a device_code profile. The ID token is verified; the refresh token goes to the profile's secret store and the access token to the encrypted cache, so `tokenctl token -p NAME` works until the refresh token ends.",
      )
      .option(PROFILE_OPTION, 'the sign-in profile (default: TOKENCTL_PROFILE, else "default")')
      .option('--device', 'use the device flow: show a code to enter on any device (SSH, containers)')
      .option('--no-browser', 'print the sign-in URL (on stderr) instead of opening a browser')
      .option('--prompt <prompt>', 'the prompt parameter: login, consent, select_account, none')
      .option('--login-hint <user>', 'the account to sign in with (login_hint)')
      .option('--param <key=value>', 'extra authorization request parameter; repeatable', collectParam)
      .option('--timeout <seconds>', 'bound on the whole sign-in, the user\'s part included, 1 to 3600 (default 300)', seconds(SECONDS_RANGES.timeout))
      .option('--client-secret-stdin', 'a confidential client: read its secret from stdin (default: the stored one)')
      .addHelpText('after', `
Examples:
  $ tokenctl login -p sso                    opens the browser; waits for the sign-in
  $ tokenctl login -p sso --no-browser       prints the URL to open (this machine's browser)
  $ tokenctl login -p sso --device           a code to enter on any device: SSH sessions, containers
  $ tokenctl login -p sso --prompt select_account --login-hint ada@contoso.com
`)
      .action(async (raw) => {
        const { loginCommand } = await import('./commands/login.js');
        await loginCommand(
          {
            ...globals(),
            profile: raw.profile,
            device: Boolean(raw.device),
            browser: raw.browser,
            prompt: raw.prompt,
            loginHint: raw.loginHint,
            params: raw.param,
            timeoutSeconds: raw.timeout,
            secrets: secretsFrom(raw),
          },
          io,
        );
      });
  }
  if (builds('logout')) {
    program
      .command('logout')
      .summary("revoke a sign-in profile's tokens (RFC 7009) and forget them; the profile stays")
      .option(PROFILE_OPTION, 'the sign-in profile')
      .option('--client-secret-stdin', 'a confidential client: read its secret from stdin (default: the stored one)')
      .addHelpText('after', `
Examples:
  $ tokenctl logout -p sso
`)
      .action(async (raw) => {
        const { logoutCommand } = await import('./commands/endpoint-tools.js');
        await logoutCommand({ ...globals(), profile: raw.profile, secrets: secretsFrom(raw) }, io);
      });
  }
  const tool = (name: 'userinfo' | 'introspect' | 'revoke', summary: string, examples: string, withHint: boolean) => {
    if (!builds(name)) return;
    const hintHelp = withHint ? 'what the token is: access_token or refresh_token' : 'ignored: userinfo takes an access token';
    const profileToken =
      name === 'revoke'
        ? "with -p: the profile's refresh token, which ends its sign-in as logout does (--token-type-hint access_token: its cached access token); the profile forgets what it revoked"
        : "the profile's access token";
    addServerOptions(program.command(name).summary(summary).addArgument(new Argument('[token]', `the token, or - for stdin (the safer way); default: ${profileToken}`)))
      .addOption(new Option('--token-type-hint <type>', hintHelp).choices(['access_token', 'refresh_token'] as const))
      .addHelpText('after', examples)
      .action(async (token, raw) => {
        const tools = await import('./commands/endpoint-tools.js');
        const options = { ...globals(), token, profile: raw.profile, settings: toolSettingsFrom(raw), secrets: secretsFrom(raw), hint: raw.tokenTypeHint };
        await { userinfo: tools.userinfoCommand, introspect: tools.introspectCommand, revoke: tools.revokeCommand }[name](options, io);
      });
  };
  tool('userinfo', "what the userinfo endpoint says about the signed-in user (the profile's access token)", `
Examples:
  $ tokenctl userinfo -p sso
  $ tokenctl token -p sso | tokenctl userinfo --issuer https://idp.example.com -
`, false);
  tool('introspect', 'ask the server whether a token is active, and what it says about it (RFC 7662)', `
Examples:
  $ tokenctl introspect -p sso                         the profile's access token, as the profile's client
  $ tokenctl introspect --issuer https://idp.example.com --client-id rs --client-secret-file rs.secret - < token.txt
`, true);
  tool('revoke', 'revoke a token at the server (RFC 7009)', `
Examples:
  $ tokenctl revoke -p sso                                  the profile's refresh token; sign in again afterwards
  $ tokenctl revoke -p sso --token-type-hint access_token   its cached access token; the next token -p renews it
  $ tokenctl revoke -p sso - < token.txt
  $ tokenctl revoke --issuer https://idp.example.com --client-id cli --auth-method none --token-type-hint refresh_token -
`, true);
}
