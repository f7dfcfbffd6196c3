import type { DiscoverFlowOptions } from '../app/discover.js';
import { Code, CheckFailedError } from '../errors.js';
import { discoveryReport, formatDiscovery } from '../output/discover-view.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { appContext } from './context.js';

export interface DiscoverOptions extends GlobalOptions, DiscoverFlowOptions {}

/** `tokenctl discover`: the authorization server's metadata, and whether it is fit for single sign-on. */
export async function discoverCommand(options: DiscoverOptions, io: Io): Promise<void> {
  const { discoverServer } = await import('../app/discover.js');
  const { metadata, source, checks } = await discoverServer(options, await appContext(io, options));
  const report = discoveryReport(metadata, source, checks);
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDiscovery(report, io.stdout.color));
  if (!report.ok) {
    const failed = report.checks.filter((check) => check.status === 'error');
    throw new CheckFailedError(Code.DISCOVERY_CHECK_FAILED, `${failed.length} check${failed.length === 1 ? '' : 's'} of the metadata failed: ${failed.map((check) => check.name).join(', ')}`, {
      hint: 'Clients will refuse this server until whoever runs it fixes the metadata.',
    });
  }
}
