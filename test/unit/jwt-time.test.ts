import { describe, expect, it } from 'vitest';
import { formatDuration, isoDate, relativeTime, tokenValidity } from '../../src/jwt/time.js';

const now = new Date('2026-01-01T12:00:00Z');
const t = now.getTime() / 1000;

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [60, '1m'],
    [2520, '42m'],
    [2530, '42m 10s'],
    [11_100, '3h 5m'],
    [10_805, '3h'],
    [90_000, '1d 1h'],
    [-3600, '1h'],
  ])('%i s → %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});

describe('relativeTime and isoDate', () => {
  it('says in / ago / now', () => {
    expect(relativeTime(t + 2520, now)).toBe('in 42m');
    expect(relativeTime(t - 11_100, now)).toBe('3h 5m ago');
    expect(relativeTime(t, now)).toBe('now');
  });
  it('formats ISO-8601 UTC without milliseconds, and refuses impossible dates', () => {
    expect(isoDate(1763462760)).toBe('2025-11-18T10:46:00Z');
    expect(isoDate(1e20)).toBeUndefined();
  });
});

describe('tokenValidity', () => {
  it('valid, with time left', () => {
    expect(tokenValidity({ exp: t + 2520 }, now)).toMatchObject({ state: 'valid', secondsLeft: 2520, summary: 'valid for 42m (until 2026-01-01T12:42:00Z)' });
  });
  it('expired', () => {
    expect(tokenValidity({ exp: t - 11_100 }, now)).toMatchObject({ state: 'expired', summary: expect.stringMatching(/^expired 3h 5m ago/) });
  });
  it('expired at exactly exp', () => {
    expect(tokenValidity({ exp: t }, now).state).toBe('expired');
  });
  it('leeway keeps a just-expired token valid, and says so', () => {
    expect(tokenValidity({ exp: t - 30 }, now, 60)).toMatchObject({ state: 'valid', summary: expect.stringContaining('within the 60s leeway') });
  });
  it('not yet valid, and leeway tolerates a small skew', () => {
    expect(tokenValidity({ nbf: t + 120, exp: t + 3600 }, now)).toMatchObject({ state: 'not-yet-valid', secondsUntilValid: 120 });
    expect(tokenValidity({ nbf: t + 120, exp: t + 3600 }, now, 300).state).toBe('valid');
  });
  it('names the raw value of a time claim beyond the range of a date', () => {
    expect(tokenValidity({ nbf: 1e20 }, now).summary).toMatch(/^not valid until nbf 100000000000000000000 /);
  });
  it('no expiry, or an unusable one', () => {
    expect(tokenValidity({}, now)).toMatchObject({ state: 'no-expiry', summary: 'no expiry (no exp claim)' });
    expect(tokenValidity({ exp: '1700000000' }, now)).toMatchObject({ state: 'no-expiry', summary: expect.stringContaining('not a number') });
  });
});
