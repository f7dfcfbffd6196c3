import { runCli, sniffGlobalOptions } from './cli.js';
import { Code, SecretStoreError } from './errors.js';
import { jsonDocument } from './escape.js';
import { processIo } from './output/io.js';
import { takeSentTo } from './output/sent-to.js';

/** The entry point: the only place that decides the process's exit status. */
export async function run(argv: string[]): Promise<void> {
  const globals = sniffGlobalOptions(argv);
  const io = await processIo(globals.color);
  try {
    const status = await runCli(argv, io);
    // --json on a log: where the credential went, as the one JSON line stderr gets (see output/sent-to.ts).
    const sentTo = takeSentTo(io);
    if (sentTo) io.stderr.write(`${jsonDocument({ sentTo })}\n`);
    if (status !== undefined) process.exitCode = status;
  } catch (error) {
    const { renderFailure } = await import('./output/errors.js');
    const failure = renderFailure(error, { ...globals, color: io.stderr.color, sentTo: takeSentTo(io) });
    io.stderr.write(failure.text);
    process.exitCode = failure.exitCode;
    // A keychain call that timed out cannot be cancelled and would keep the process alive: a
    // pipeline must get its exit status now, not when D-Bus gives up.
    if (error instanceof SecretStoreError && error.entry === Code.SECRET_STORE_TIMEOUT) process.exit(failure.exitCode);
  }
}
