export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
export const MAX_ATTEMPTS = 3;

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;

/** Retry-After as seconds or an HTTP date, in milliseconds from `nowMs`; undefined if unusable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface RetryInput {
  /** 1 for the first attempt. */
  attempt: number;
  /** HTTP status of the answer, or undefined when the request failed at the network level. */
  status: number | undefined;
  retryAfter?: string | undefined;
  nowMs: number;
  deadlineMs: number;
  random: () => number;
}

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false; reason: string };

/**
 * Whether to try again, and after how long: network errors and 429/5xx, at most three attempts,
 * capped exponential backoff with jitter, Retry-After honoured, never past the command's deadline.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const what = input.status === undefined ? 'network error' : `HTTP ${input.status}`;
  if (input.status !== undefined && !RETRYABLE_STATUSES.has(input.status)) return { retry: false, reason: `${what} is not retried` };
  if (input.attempt >= MAX_ATTEMPTS) return { retry: false, reason: `${what} after ${input.attempt} attempts` };
  const backoff = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (input.attempt - 1));
  const jittered = Math.round(backoff / 2 + (input.random() * backoff) / 2);
  const requested = parseRetryAfter(input.retryAfter, input.nowMs);
  const delayMs = requested ?? jittered;
  const timeLeft = input.deadlineMs - input.nowMs;
  if (delayMs >= timeLeft) {
    return { retry: false, reason: `${what}; ${requested !== undefined ? 'Retry-After' : 'the next retry'} (${Math.ceil(delayMs / 1000)}s) does not fit in the time left (--timeout)` };
  }
  return { retry: true, delayMs, reason: `${what}; retrying in ${(delayMs / 1000).toFixed(1)}s (attempt ${input.attempt + 1} of ${MAX_ATTEMPTS})` };
}
