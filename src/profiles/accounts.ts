import type { SecretKind } from '../oauth/credential.js';

/** The secrets a profile may keep in its store. */
export const SECRET_KINDS = ['clientSecret', 'certificatePassword', 'certificateKeyPassword'] as const satisfies readonly SecretKind[];

const LABELS: Record<SecretKind, string> = { clientSecret: 'client-secret', certificatePassword: 'certificate-password', certificateKeyPassword: 'certificate-key-password' };

/**
 * Each kind of secret has two slots, "NAME:client-secret:1" and "…:2". A new secret goes into the slot
 * the profile does not point at, the profile file is switched over atomically, and only then is the
 * old slot cleared: the profile never names a secret that is not there. And every account a profile
 * can have is known from its name, so nothing ever has to list (and decrypt) the whole keychain.
 */
const SLOTS = ['1', '2'] as const;

export const secretAccount = (profile: string, kind: SecretKind, slot: (typeof SLOTS)[number]): string => `${profile}:${LABELS[kind]}:${slot}`;

/** The account a new secret of this kind goes to: the slot `current` is not. */
export function nextSecretAccount(profile: string, kind: SecretKind, current: string | undefined): string {
  const first = secretAccount(profile, kind, '1');
  return current === first ? secretAccount(profile, kind, '2') : first;
}

/** The account holding the key of the profile's token cache. */
export const cacheKeyAccount = (profile: string): string => `${profile}:cache-key`;

/** Every secret account a profile of this name can have, whichever secret it holds now. */
export const secretSlots = (profile: string): string[] => SECRET_KINDS.flatMap((kind) => SLOTS.map((slot) => secretAccount(profile, kind, slot)));

/** The account of a sign-in profile's refresh token (with the server and client it belongs to). */
export const refreshTokenAccount = (profile: string): string => `${profile}:refresh-token`;

/** Every store account a profile of this name can have: its secrets' slots and its refresh token. */
export const profileAccounts = (profile: string): string[] => [...secretSlots(profile), refreshTokenAccount(profile)];
