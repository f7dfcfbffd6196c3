/**
 * The values of tokenctl's enumerated options, in one module that imports nothing: the CLI lists them
 * for --help, validation and completions without loading the code that acts on them.
 */
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const CLOUD_NAMES = ['public', 'usgov', 'china'] as const;
export type Cloud = (typeof CLOUD_NAMES)[number];
/** Each Entra ID cloud's authority host. */
export const CLOUDS: Readonly<Record<Cloud, string>> = {
  public: 'https://login.microsoftonline.com',
  usgov: 'https://login.microsoftonline.us',
  china: 'https://login.partner.microsoftonline.cn',
};

export const ASSERTION_ALGORITHMS = ['PS256', 'RS256'] as const;
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

export const OUTPUT_FORMATS = ['raw', 'json', 'header', 'env', 'kubectl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** How a client proves itself: one word for each, in profiles, requests and cache keys alike. */
export const CREDENTIAL_KINDS = ['secret', 'certificate', 'federated', 'none'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const STORE_KINDS = ['keychain', 'file'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** The ranges of tokenctl's numeric options, in seconds: every number has a bound. */
export const SECONDS_RANGES = {
  /** An hour: every wait has a bound, and Node's timers overflow past 24.8 days (2147484 s) anyway. */
  timeout: { min: 1, max: 3600 },
  assertionLifetime: { min: 1, max: 600 },
  /** --leeway and --min-validity: a day. */
  clockTolerance: { min: 0, max: 86_400 },
} as const;

/** How a profile gets its tokens: as the app itself, or on behalf of a user who signs in. */
export const GRANTS = ['client_credentials', 'authorization_code', 'device_code'] as const;
export type ProfileGrant = (typeof GRANTS)[number];
