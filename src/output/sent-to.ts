import type { Io } from './io.js';

/**
 * Where this run sent a credential, kept for --json when stderr is not a terminal: a pipeline's log
 * must name it (so a changed profile cannot send a secret elsewhere unseen), yet stderr must stay one
 * JSON object. So the destination is written once the run ends: as `sentTo` in the error document on
 * failure, or as one JSON line of its own on success.
 */
const pending = new WeakMap<Io, string[]>();

export function recordSentTo(io: Io, destination: string): void {
  const list = pending.get(io) ?? [];
  if (!list.includes(destination)) list.push(destination);
  pending.set(io, list);
}

/** The destinations recorded on this run, joined into one value; undefined when nothing was sent. */
export function takeSentTo(io: Io): string | undefined {
  const list = pending.get(io);
  pending.delete(io);
  return list?.length ? list.join('; ') : undefined;
}
