import type { Io } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A progress line on stderr while waiting for the network, so a person at a terminal sees what is
 * slow. Never on a pipe, never with --json or --verbose (their output would be garbled).
 * Returns the function that clears it.
 */
export function startSpinner(io: Io, text: string, options: { json: boolean; verbose: boolean }): () => void {
  if (!io.stderr.isTTY || options.json || options.verbose) return () => {};
  let frame = 0;
  const draw = () => io.stderr.write(`\r${io.stderr.color.cyan(FRAMES[frame++ % FRAMES.length] ?? '')} ${text}`);
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  return () => {
    clearInterval(timer);
    io.stderr.write('\r\u001b[K');
  };
}
