import type { Profile } from './profile.js';

const WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface ExpiryNotice {
  level: 'warning' | 'problem';
  message: string;
}

/**
 * Client secrets expire (Entra ID lets you pick up to two years). A recorded expiry date turns a
 * future AADSTS7000222 into a warning a month ahead, and explains it once it has happened.
 */
export function secretExpiryNotice(profile: Profile, now: Date): ExpiryNotice | undefined {
  if (!profile.secretExpiresAt || profile.credential !== 'secret') return undefined;
  const expiresAt = new Date(profile.secretExpiresAt);
  const days = Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS);
  const date = profile.secretExpiresAt.slice(0, 10);
  const renew = `create a new secret (in Entra ID: Certificates & secrets), then run: tokenctl configure -p ${profile.name} --client-secret-stdin --secret-expires YYYY-MM-DD`;
  if (expiresAt.getTime() <= now.getTime()) {
    return {
      level: 'problem',
      message: `the client secret of profile ${profile.name} expired on ${date}; Entra ID answers AADSTS7000222 ("the provided client secret keys are expired"): ${renew}`,
    };
  }
  if (days <= WARNING_DAYS) {
    return { level: 'warning', message: `the client secret of profile ${profile.name} expires in ${days} day${days === 1 ? '' : 's'} (${date}): ${renew}` };
  }
  return undefined;
}
