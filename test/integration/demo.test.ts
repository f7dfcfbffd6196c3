import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

describe('npm run demo', () => {
  it('runs the whole main job without a Secret Service, on the encrypted file store, and says so', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: '', DISPLAY: '', NO_COLOR: '1' };
    delete env.TOKENCTL_CONFIG_DIR;
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO, 'scripts/demo.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, output }));
    });
    expect(code, output).toBe(0);
    expect(output).toContain('No Secret Service is reachable here');
    expect(output).toContain('$ printf %s "$CLIENT_SECRET" | tokenctl configure -p demo');
    expect(output).toContain('saved profile demo');
    expect(output).toMatch(/\$ tokenctl token -p demo\neyJ/);
    expect(output).toContain('OAuth access token issued to a client (client credentials)');
    expect(output).toContain('rejected the request (HTTP 401, invalid_client)');
    expect(output).toContain('hint  The server did not accept the client ID and secret');
    expect(output).toContain('removed demo-wrong');
    expect(output).toMatch(/To sign in, open http:\/\/127\.0\.0\.1:\d+\/device and enter the code \S+/);
    expect(output).toContain('Signed in as Test User ada (ada)');
    expect(output).toMatch(/\$ tokenctl token -p me --min-validity 7200\neyJ|\$ tokenctl token -p me --min-validity 7200\n\S+/);
    expect(output).toContain('Signed out of profile me');
    expect(output).toMatch(/Done: \d+ token requests reached the provider\./);
  }, 90_000);
});
