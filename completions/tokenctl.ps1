# PowerShell completion for tokenctl, generated from its commander program: do not edit.
# Install: add this line to $PROFILE:  tokenctl completion powershell | Out-String | Invoke-Expression

Register-ArgumentCompleter -Native -CommandName tokenctl -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    # A profile's strict mode would turn every absent JSON property into an error.
    Set-StrictMode -Off

    $model = ConvertFrom-Json @'
{
  "name": "tokenctl",
  "options": [
    {
      "short": "-V",
      "long": "--version",
      "description": "print the version"
    },
    {
      "long": "--json",
      "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
    },
    {
      "long": "--no-color",
      "description": "never use colour"
    },
    {
      "short": "-v",
      "long": "--verbose",
      "description": "diagnostics on stderr (secrets and tokens are redacted)"
    },
    {
      "short": "-h",
      "long": "--help",
      "description": "show help"
    }
  ],
  "commands": [
    {
      "name": "decode",
      "description": "explain a JWT offline: header, claims, times, and what they mean",
      "options": [
        {
          "long": "--file",
          "description": "read the token from this file (a token, a token response, a header, …)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--claim",
          "description": "print one claim, or a dotted path (realm_access.roles): a string raw, anything else as JSON",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--require-valid",
          "description": "exit 7 if the token is expired or not yet valid"
        },
        {
          "long": "--leeway",
          "description": "clock tolerance for --require-valid and --verify, at most a day",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--verify",
          "description": "verify the signature with the keys the issuer publishes ({iss}/.well-known/openid-configuration)"
        },
        {
          "long": "--jwks",
          "description": "verify against this JWKS (implies --verify)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--key",
          "description": "verify against this public key: PEM (SPKI or certificate) or JWK (implies --verify)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--expect-aud",
          "description": "exit 7 unless aud is (or contains) this value",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-iss",
          "description": "exit 7 unless iss is exactly this value",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-role",
          "description": "exit 7 unless the token carries this role (roles, realm_access, resource_access); repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-scope",
          "description": "exit 7 unless the token carries this scope (scp, scope, permissions); repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA when fetching keys (NODE_EXTRA_CA_CERTS works too)",
          "value": {
            "kind": "file"
          }
        },
        {
          "short": "-p",
          "long": "--profile",
          "description": "decode this profile's current token (from the cache, fetched if needed)",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--id-token",
          "description": "with -p: the profile's ID token (who signed in) instead of its access token"
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "token",
          "value": {
            "kind": "text"
          }
        }
      ]
    },
    {
      "name": "token",
      "description": "request an access token (client credentials) and print it",
      "options": [
        {
          "long": "--tenant",
          "description": "Entra ID tenant: the Directory (tenant) ID or a verified domain",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--authority-host",
          "description": "Entra ID authority host, for other clouds (AZURE_AUTHORITY_HOST)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--token-url",
          "description": "token endpoint of any OAuth 2.0 server",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--issuer",
          "description": "issuer of any OpenID/OAuth server: the token endpoint is discovered",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-id",
          "description": "client ID (Entra ID: Application (client) ID; default AZURE_CLIENT_ID)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "read the client secret from stdin (a masked prompt on a terminal)"
        },
        {
          "long": "--client-secret-file",
          "description": "read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--client-secret-command",
          "description": "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret; configure saves the command, not the secret",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--certificate",
          "description": "client certificate: PEM (with its key, or see --private-key), PKCS#12 (.pfx/.p12) or a Java keystore (.jks)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--private-key",
          "description": "PEM private key, when not in the --certificate file",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--certificate-password-stdin",
          "description": "read the store (PKCS#12, JKS) or key password from stdin (default: TOKENCTL_CERTIFICATE_PASSWORD)"
        },
        {
          "long": "--certificate-password-command",
          "description": "run this command (no shell) and use what it prints as the store password; configure saves the command",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--certificate-alias",
          "description": "which entry of a PKCS#12 or JKS store holding several",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--thumbprint",
          "description": "fail unless the certificate has this SHA-1 thumbprint (40 hex, colons allowed)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--assertion-alg",
          "description": "client assertion algorithm (Entra default PS256 with x5t#S256; RS256 uses x5t)",
          "value": {
            "kind": "choice",
            "choices": [
              "PS256",
              "RS256"
            ]
          }
        },
        {
          "long": "--send-x5c",
          "description": "include the certificate chain in the assertion (Entra subject name + issuer auth)"
        },
        {
          "long": "--assertion-lifetime",
          "description": "client assertion lifetime, at most 600 (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--assertion-audience",
          "description": "generic servers: token-endpoint, issuer, or a URL (default: the issuer when known, else the token endpoint)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-assertion-file",
          "description": "federated token to authenticate with, re-read for every request (default AZURE_FEDERATED_TOKEN_FILE)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--auth-method",
          "description": "how the client authenticates",
          "value": {
            "kind": "choice",
            "choices": [
              "client_secret_basic",
              "client_secret_post",
              "private_key_jwt",
              "none"
            ]
          }
        },
        {
          "long": "--scope",
          "description": "scope to request; repeatable or space-separated",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--resource",
          "description": "Entra ID: the API (sent as scope URI/.default); others: RFC 8707 resource; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--audience",
          "description": "audience parameter (Auth0-style servers)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--param",
          "description": "extra body parameter; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the whole command, retries included, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate (NODE_EXTRA_CA_CERTS works too)",
          "value": {
            "kind": "file"
          }
        },
        {
          "short": "-p",
          "long": "--profile",
          "description": "use a saved profile; profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--min-validity",
          "description": "reuse a cached token only while it has this long left, at most a day (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--refresh",
          "description": "fetch a new token even if the cached one is still good"
        },
        {
          "long": "--no-cache",
          "description": "neither read nor write the token cache"
        },
        {
          "short": "-o",
          "long": "--output",
          "description": "raw (the token alone), json, header (Authorization: Bearer …), env (export ACCESS_TOKEN=…) or kubectl (an ExecCredential)",
          "value": {
            "kind": "choice",
            "choices": [
              "raw",
              "json",
              "header",
              "env",
              "kubectl"
            ]
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "exec",
      "description": "run a command with a profile's token in its environment",
      "options": [
        {
          "long": "--tenant",
          "description": "Entra ID tenant: the Directory (tenant) ID or a verified domain",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--authority-host",
          "description": "Entra ID authority host, for other clouds (AZURE_AUTHORITY_HOST)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--token-url",
          "description": "token endpoint of any OAuth 2.0 server",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--issuer",
          "description": "issuer of any OpenID/OAuth server: the token endpoint is discovered",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-id",
          "description": "client ID (Entra ID: Application (client) ID; default AZURE_CLIENT_ID)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "read the client secret from stdin (a masked prompt on a terminal)"
        },
        {
          "long": "--client-secret-file",
          "description": "read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--client-secret-command",
          "description": "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret; configure saves the command, not the secret",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--certificate",
          "description": "client certificate: PEM (with its key, or see --private-key), PKCS#12 (.pfx/.p12) or a Java keystore (.jks)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--private-key",
          "description": "PEM private key, when not in the --certificate file",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--certificate-password-stdin",
          "description": "read the store (PKCS#12, JKS) or key password from stdin (default: TOKENCTL_CERTIFICATE_PASSWORD)"
        },
        {
          "long": "--certificate-password-command",
          "description": "run this command (no shell) and use what it prints as the store password; configure saves the command",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--certificate-alias",
          "description": "which entry of a PKCS#12 or JKS store holding several",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--thumbprint",
          "description": "fail unless the certificate has this SHA-1 thumbprint (40 hex, colons allowed)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--assertion-alg",
          "description": "client assertion algorithm (Entra default PS256 with x5t#S256; RS256 uses x5t)",
          "value": {
            "kind": "choice",
            "choices": [
              "PS256",
              "RS256"
            ]
          }
        },
        {
          "long": "--send-x5c",
          "description": "include the certificate chain in the assertion (Entra subject name + issuer auth)"
        },
        {
          "long": "--assertion-lifetime",
          "description": "client assertion lifetime, at most 600 (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--assertion-audience",
          "description": "generic servers: token-endpoint, issuer, or a URL (default: the issuer when known, else the token endpoint)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-assertion-file",
          "description": "federated token to authenticate with, re-read for every request (default AZURE_FEDERATED_TOKEN_FILE)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--auth-method",
          "description": "how the client authenticates",
          "value": {
            "kind": "choice",
            "choices": [
              "client_secret_basic",
              "client_secret_post",
              "private_key_jwt",
              "none"
            ]
          }
        },
        {
          "long": "--scope",
          "description": "scope to request; repeatable or space-separated",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--resource",
          "description": "Entra ID: the API (sent as scope URI/.default); others: RFC 8707 resource; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--audience",
          "description": "audience parameter (Auth0-style servers)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--param",
          "description": "extra body parameter; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the whole command, retries included, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate (NODE_EXTRA_CA_CERTS works too)",
          "value": {
            "kind": "file"
          }
        },
        {
          "short": "-p",
          "long": "--profile",
          "description": "use a saved profile; profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--env",
          "description": "put the access token (or FIELD of it) in VAR; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--min-validity",
          "description": "reuse a cached token only while it has this long left, at most a day (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--refresh",
          "description": "fetch a new token even if the cached one is still good"
        },
        {
          "long": "--no-cache",
          "description": "neither read nor write the token cache"
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "command",
          "value": {
            "kind": "text"
          }
        }
      ]
    },
    {
      "name": "git-credential",
      "description": "git credential helper: a profile's token as the password for https remotes",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "use a saved profile; profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--host",
          "description": "answer only for this host (name or name:port); repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--username",
          "description": "the username to answer with (default: the one git sent, else \"tokenctl\")",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--min-validity",
          "description": "reuse a cached token only while it has this long left, at most a day (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "operation",
          "value": {
            "kind": "text"
          }
        }
      ]
    },
    {
      "name": "configure",
      "description": "create or update a profile: validated live, secrets in the OS keychain",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--tenant",
          "description": "Entra ID tenant: the Directory (tenant) ID or a verified domain",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--authority-host",
          "description": "Entra ID authority host, for other clouds (AZURE_AUTHORITY_HOST)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--token-url",
          "description": "token endpoint of any OAuth 2.0 server",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--issuer",
          "description": "issuer of any OpenID/OAuth server: the token endpoint is discovered",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-id",
          "description": "client ID (Entra ID: Application (client) ID; default AZURE_CLIENT_ID)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "read the client secret from stdin (a masked prompt on a terminal)"
        },
        {
          "long": "--client-secret-file",
          "description": "read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--client-secret-command",
          "description": "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret; configure saves the command, not the secret",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--certificate",
          "description": "client certificate: PEM (with its key, or see --private-key), PKCS#12 (.pfx/.p12) or a Java keystore (.jks)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--private-key",
          "description": "PEM private key, when not in the --certificate file",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--certificate-password-stdin",
          "description": "read the store (PKCS#12, JKS) or key password from stdin (default: TOKENCTL_CERTIFICATE_PASSWORD)"
        },
        {
          "long": "--certificate-password-command",
          "description": "run this command (no shell) and use what it prints as the store password; configure saves the command",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--certificate-alias",
          "description": "which entry of a PKCS#12 or JKS store holding several",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--thumbprint",
          "description": "fail unless the certificate has this SHA-1 thumbprint (40 hex, colons allowed)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--assertion-alg",
          "description": "client assertion algorithm (Entra default PS256 with x5t#S256; RS256 uses x5t)",
          "value": {
            "kind": "choice",
            "choices": [
              "PS256",
              "RS256"
            ]
          }
        },
        {
          "long": "--send-x5c",
          "description": "include the certificate chain in the assertion (Entra subject name + issuer auth)"
        },
        {
          "long": "--assertion-lifetime",
          "description": "client assertion lifetime, at most 600 (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--assertion-audience",
          "description": "generic servers: token-endpoint, issuer, or a URL (default: the issuer when known, else the token endpoint)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-assertion-file",
          "description": "federated token to authenticate with, re-read for every request (default AZURE_FEDERATED_TOKEN_FILE)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--auth-method",
          "description": "how the client authenticates",
          "value": {
            "kind": "choice",
            "choices": [
              "client_secret_basic",
              "client_secret_post",
              "private_key_jwt",
              "none"
            ]
          }
        },
        {
          "long": "--scope",
          "description": "scope to request; repeatable or space-separated",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--resource",
          "description": "Entra ID: the API (sent as scope URI/.default); others: RFC 8707 resource; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--audience",
          "description": "audience parameter (Auth0-style servers)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--param",
          "description": "extra body parameter; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the whole command, retries included, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate (NODE_EXTRA_CA_CERTS works too)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--expect-aud",
          "description": "the token must be for this audience",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-iss",
          "description": "the token must come from this issuer",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-role",
          "description": "the token must carry this role; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-scope",
          "description": "the token must carry this scope; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--grant",
          "description": "how tokens are obtained: as the app (client_credentials, the default) or for a user who signs in",
          "value": {
            "kind": "choice",
            "choices": [
              "client_credentials",
              "authorization_code",
              "device_code"
            ]
          }
        },
        {
          "long": "--redirect-port",
          "description": "fixed loopback port for the sign-in redirect, when the server wants the exact registered URI (default: any free port)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--redirect-host",
          "description": "host name in the redirect URI (default 127.0.0.1, RFC 8252; Entra ID registers http://localhost: use localhost there)",
          "value": {
            "kind": "choice",
            "choices": [
              "127.0.0.1",
              "localhost"
            ]
          }
        },
        {
          "long": "--authorize-url",
          "description": "authorization endpoint, for a server without metadata (default: from --issuer, or Entra v2)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--device-authorization-url",
          "description": "RFC 8628 device authorization endpoint (default: from --issuer, or Entra v2)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--public-client",
          "description": "the client has no secret (a sign-in profile; PKCE protects the code)"
        },
        {
          "long": "--revocation-url",
          "description": "RFC 7009 revocation endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--introspection-url",
          "description": "RFC 7662 introspection endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--userinfo-url",
          "description": "OpenID Connect userinfo endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--store",
          "description": "where secrets go: keychain (default) or file (AES-256-GCM, passphrase from TOKENCTL_PASSPHRASE)",
          "value": {
            "kind": "choice",
            "choices": [
              "keychain",
              "file"
            ]
          }
        },
        {
          "long": "--no-validate",
          "description": "save without a live token request"
        },
        {
          "long": "--secret-expires",
          "description": "when the client secret expires (YYYY-MM-DD), for warnings before it does",
          "value": {
            "kind": "text"
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "validate",
      "description": "request a token for a profile now, bypassing the cache, and check it",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--curl",
          "description": "print an equivalent curl command instead of sending the request (secrets stay out of it)"
        },
        {
          "long": "--expect-aud",
          "description": "the token must be for this audience",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-iss",
          "description": "the token must come from this issuer",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-role",
          "description": "the token must carry this role; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--expect-scope",
          "description": "the token must carry this scope; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "remove",
      "description": "delete a profile, its secrets and its cached token",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--all",
          "description": "remove every profile"
        },
        {
          "short": "-y",
          "long": "--yes",
          "description": "do not ask for confirmation (needed without a terminal)"
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "list",
      "description": "list profiles: provider, client, auth method, store, validation, cached token",
      "options": [
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "show",
      "description": "show one profile in full (secrets only as stored or missing)",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "profile name (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "doctor",
      "description": "check this machine, the keychain and the profiles; say what to fix",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "check only this profile",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--online",
          "description": "also compare this machine's clock with each identity provider's"
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "discover",
      "description": "show an authorization server's endpoints and capabilities, and check its metadata",
      "options": [
        {
          "long": "--issuer",
          "description": "the issuer, exactly as the server names itself",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--tenant",
          "description": "an Entra ID tenant (its v2.0 issuer)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--authority-host",
          "description": "Entra ID authority host, for other clouds",
          "value": {
            "kind": "text"
          }
        },
        {
          "short": "-p",
          "long": "--profile",
          "description": "the profile's issuer or tenant",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the whole command, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate",
          "value": {
            "kind": "file"
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "login",
      "description": "sign a user in (browser with PKCE, or --device) and keep the tokens with the profile",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "the sign-in profile (default: TOKENCTL_PROFILE, else \"default\")",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--device",
          "description": "use the device flow: show a code to enter on any device (SSH, containers)"
        },
        {
          "long": "--no-browser",
          "description": "print the sign-in URL (on stderr) instead of opening a browser"
        },
        {
          "long": "--prompt",
          "description": "the prompt parameter: login, consent, select_account, none",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--login-hint",
          "description": "the account to sign in with (login_hint)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--param",
          "description": "extra authorization request parameter; repeatable",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the whole sign-in, the user's part included, 1 to 3600 (default 300)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "a confidential client: read its secret from stdin (default: the stored one)"
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "logout",
      "description": "revoke a sign-in profile's tokens (RFC 7009) and forget them; the profile stays",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "the sign-in profile",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "a confidential client: read its secret from stdin (default: the stored one)"
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": []
    },
    {
      "name": "userinfo",
      "description": "what the userinfo endpoint says about the signed-in user (the profile's access token)",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "use this profile's server, client and (without TOKEN) current token",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--issuer",
          "description": "the server, by its issuer (endpoints from its metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--tenant",
          "description": "an Entra ID tenant",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--client-id",
          "description": "the client to authenticate as",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "read the client secret from stdin"
        },
        {
          "long": "--client-secret-file",
          "description": "read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--client-secret-command",
          "description": "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--auth-method",
          "description": "how the client authenticates (none: a public client)",
          "value": {
            "kind": "choice",
            "choices": [
              "client_secret_basic",
              "client_secret_post",
              "none"
            ]
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the request, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--revocation-url",
          "description": "RFC 7009 revocation endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--introspection-url",
          "description": "RFC 7662 introspection endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--userinfo-url",
          "description": "OpenID Connect userinfo endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--token-type-hint",
          "description": "ignored: userinfo takes an access token",
          "value": {
            "kind": "choice",
            "choices": [
              "access_token",
              "refresh_token"
            ]
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "token",
          "value": {
            "kind": "text"
          }
        }
      ]
    },
    {
      "name": "introspect",
      "description": "ask the server whether a token is active, and what it says about it (RFC 7662)",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "use this profile's server, client and (without TOKEN) current token",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--issuer",
          "description": "the server, by its issuer (endpoints from its metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--tenant",
          "description": "an Entra ID tenant",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--client-id",
          "description": "the client to authenticate as",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "read the client secret from stdin"
        },
        {
          "long": "--client-secret-file",
          "description": "read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--client-secret-command",
          "description": "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--auth-method",
          "description": "how the client authenticates (none: a public client)",
          "value": {
            "kind": "choice",
            "choices": [
              "client_secret_basic",
              "client_secret_post",
              "none"
            ]
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the request, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--revocation-url",
          "description": "RFC 7009 revocation endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--introspection-url",
          "description": "RFC 7662 introspection endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--userinfo-url",
          "description": "OpenID Connect userinfo endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--token-type-hint",
          "description": "what the token is: access_token or refresh_token",
          "value": {
            "kind": "choice",
            "choices": [
              "access_token",
              "refresh_token"
            ]
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "token",
          "value": {
            "kind": "text"
          }
        }
      ]
    },
    {
      "name": "revoke",
      "description": "revoke a token at the server (RFC 7009)",
      "options": [
        {
          "short": "-p",
          "long": "--profile",
          "description": "use this profile's server, client and (without TOKEN) current token",
          "value": {
            "kind": "profile"
          }
        },
        {
          "long": "--issuer",
          "description": "the server, by its issuer (endpoints from its metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--tenant",
          "description": "an Entra ID tenant",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--cloud",
          "description": "Entra ID cloud (default public)",
          "value": {
            "kind": "choice",
            "choices": [
              "public",
              "usgov",
              "china"
            ]
          }
        },
        {
          "long": "--client-id",
          "description": "the client to authenticate as",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--client-secret-stdin",
          "description": "read the client secret from stdin"
        },
        {
          "long": "--client-secret-file",
          "description": "read the client secret from a file (default: TOKENCTL_CLIENT_SECRET)",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--client-secret-command",
          "description": "run this command (a secret manager's CLI, no shell) and use what it prints as the client secret",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--auth-method",
          "description": "how the client authenticates (none: a public client)",
          "value": {
            "kind": "choice",
            "choices": [
              "client_secret_basic",
              "client_secret_post",
              "none"
            ]
          }
        },
        {
          "long": "--timeout",
          "description": "bound on the request, 1 to 3600 (default 30)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--proxy",
          "description": "HTTP(S) proxy (default: HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--ca-file",
          "description": "also trust this CA certificate",
          "value": {
            "kind": "file"
          }
        },
        {
          "long": "--revocation-url",
          "description": "RFC 7009 revocation endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--introspection-url",
          "description": "RFC 7662 introspection endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--userinfo-url",
          "description": "OpenID Connect userinfo endpoint (default: from the issuer metadata)",
          "value": {
            "kind": "text"
          }
        },
        {
          "long": "--token-type-hint",
          "description": "what the token is: access_token or refresh_token",
          "value": {
            "kind": "choice",
            "choices": [
              "access_token",
              "refresh_token"
            ]
          }
        },
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "token",
          "value": {
            "kind": "text"
          }
        }
      ]
    },
    {
      "name": "completion",
      "description": "print the shell completion script for bash, zsh, fish or powershell",
      "options": [
        {
          "short": "-h",
          "long": "--help",
          "description": "show help"
        },
        {
          "short": "-V",
          "long": "--version",
          "description": "print the version"
        },
        {
          "long": "--json",
          "description": "machine-readable JSON on stdout; errors as one JSON object on stderr"
        },
        {
          "long": "--no-color",
          "description": "never use colour"
        },
        {
          "short": "-v",
          "long": "--verbose",
          "description": "diagnostics on stderr (secrets and tokens are redacted)"
        }
      ],
      "arguments": [
        {
          "name": "shell",
          "value": {
            "kind": "choice",
            "choices": [
              "bash",
              "zsh",
              "fish",
              "powershell"
            ]
          }
        }
      ]
    }
  ]
}
'@

    # The saved profiles: profiles/*.json in the config dir, found as tokenctl finds it.
    function Get-tokenctlProfiles {
        $root = if ($env:TOKENCTL_CONFIG_DIR) { $env:TOKENCTL_CONFIG_DIR }
        elseif ($env:OS -eq 'Windows_NT') {
            $appData = if ($env:APPDATA -and [IO.Path]::IsPathRooted($env:APPDATA)) { $env:APPDATA } else { Join-Path $HOME 'AppData\Roaming' }
            Join-Path $appData 'tokenctl'
        }
        elseif ($PSVersionTable.OS -like 'Darwin*') { Join-Path $HOME 'Library/Application Support/tokenctl' }
        elseif ("$env:XDG_CONFIG_HOME".StartsWith('/')) { Join-Path $env:XDG_CONFIG_HOME 'tokenctl' }
        else { Join-Path $HOME '.config/tokenctl' }
        Get-ChildItem -LiteralPath (Join-Path $root 'profiles') -File -ErrorAction SilentlyContinue |
            Where-Object Extension -eq '.json' | ForEach-Object BaseName
    }

    # What a value offers. A file path offers nothing here: PowerShell then completes paths itself.
    function Get-tokenctlValues($value) {
        switch ($value.kind) {
            'choice' { $value.choices }
            'profile' { Get-tokenctlProfiles }
        }
    }

    # --option=value is one word in PowerShell: complete the value, keeping the option in front.
    $prefix = ''
    $forcedOption = $null
    if ($wordToComplete -match '^(--[^=]+)=(.*)$') {
        $forcedOption = $Matches[1]
        $prefix = "$($Matches[1])="
        $wordToComplete = $Matches[2]
    }

    # Before a command name, the operand is the command itself.
    $current = [pscustomobject]@{ options = $model.options; arguments = @([pscustomobject]@{ value = [pscustomobject]@{ kind = 'choice'; choices = @($model.commands.name) } }) }
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
    $inCommand = $false
    $operands = 0
    $option = $null
    for ($i = 1; $i -lt $words.Count; $i++) {
        $word = $words[$i]
        $valueOption = $current.options | Where-Object { $_.value -and ($_.short -ceq $word -or $_.long -ceq $word) } | Select-Object -First 1
        if ($valueOption) {
            $i++
            if ($i -eq $words.Count) { $option = $valueOption }
        }
        elseif ($word.StartsWith('-')) { }
        elseif (-not $inCommand) {
            $inCommand = $true
            $current = $model.commands | Where-Object name -ceq $word | Select-Object -First 1
            if (-not $current) { return }
        }
        else { $operands++ }
    }
    if ($forcedOption) { $option = $current.options | Where-Object long -ceq $forcedOption | Select-Object -First 1 }

    $results = if ($option) {
        Get-tokenctlValues $option.value | ForEach-Object { @{ text = $_; type = 'ParameterValue'; tip = $_ } }
    }
    else {
        $argument = if (-not $wordToComplete.StartsWith('-')) { $current.arguments | Select-Object -Skip $operands -First 1 }
        if ($argument -and $argument.value.kind -ne 'text') {
            Get-tokenctlValues $argument.value | ForEach-Object { @{ text = $_; type = 'ParameterValue'; tip = $_ } }
        }
        else {
            $current.options | ForEach-Object { $o = $_; @($o.short, $o.long) | Where-Object { $_ } | ForEach-Object { @{ text = $_; type = 'ParameterName'; tip = $o.description } } }
        }
    }
    $results | Where-Object { $_.text.StartsWith($wordToComplete, [StringComparison]::Ordinal) } | ForEach-Object {
        # CompletionResult refuses an empty tooltip.
        $tip = if ($_.tip) { $_.tip } else { $_.text }
        [System.Management.Automation.CompletionResult]::new($prefix + $_.text, $_.text, $_.type, $tip)
    }
}
