/** Claims whose value is a NumericDate (seconds since the epoch): RFC 7519 and OpenID Connect. */
export const TIME_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time', 'updated_at'] as const;

/** "45s", "42m 10s", "3h 5m", "2d 4h": the two largest units, enough to judge a token at a glance. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.round(Math.abs(totalSeconds));
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([amount]) => amount > 0);
  if (first === -1) return '0s';
  const shown = parts.slice(first, first + 2).filter(([amount], i) => i === 0 || amount > 0);
  return shown.map(([amount, unit]) => `${amount}${unit}`).join(' ');
}

/** "in 42m", "3h 5m ago", "now". */
export function relativeTime(epochSeconds: number, now: Date): string {
  const delta = epochSeconds - now.getTime() / 1000;
  if (Math.abs(delta) < 1) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

export function isoDate(epochSeconds: number): string | undefined {
  const date = new Date(epochSeconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z');
}

export type ValidityState = 'valid' | 'expired' | 'not-yet-valid' | 'no-expiry';

export interface Validity {
  state: ValidityState;
  /** Seconds until exp (negative once expired); absent without a numeric exp. */
  secondsLeft?: number;
  /** Seconds until nbf, for a token not yet valid. */
  secondsUntilValid?: number;
  /** One line for people: "valid for 42m", "expired 3h 5m ago". */
  summary: string;
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Where the token stands in time, with `leewaySeconds` of clock tolerance either side. */
export function tokenValidity(payload: Record<string, unknown>, now: Date, leewaySeconds = 0): Validity {
  const nowSeconds = now.getTime() / 1000;
  const exp = numeric(payload.exp);
  const nbf = numeric(payload.nbf);
  if (nbf !== undefined && nowSeconds + leewaySeconds < nbf) {
    const secondsUntilValid = nbf - nowSeconds;
    return {
      state: 'not-yet-valid',
      secondsUntilValid,
      ...(exp !== undefined ? { secondsLeft: exp - nowSeconds } : {}),
      summary: `not valid until ${isoDate(nbf) ?? `nbf ${nbf}`} (${relativeTime(nbf, now)}): check this machine's clock or the issuer's`,
    };
  }
  if (exp === undefined) {
    return { state: 'no-expiry', summary: payload.exp === undefined ? 'no expiry (no exp claim)' : 'no usable expiry (exp is not a number)' };
  }
  const secondsLeft = exp - nowSeconds;
  if (secondsLeft + leewaySeconds <= 0) {
    return { state: 'expired', secondsLeft, summary: `expired ${formatDuration(secondsLeft)} ago (${isoDate(exp) ?? `exp ${exp}`})` };
  }
  const summary = secondsLeft > 0 ? `valid for ${formatDuration(secondsLeft)} (until ${isoDate(exp) ?? `exp ${exp}`})` : `expired ${formatDuration(secondsLeft)} ago, within the ${leewaySeconds}s leeway`;
  return { state: 'valid', secondsLeft, summary };
}
