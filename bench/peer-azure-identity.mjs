// The peer in bench/run.mjs: one client-credentials token from @azure/identity's ClientSecretCredential,
// printed like `tokenctl token`. Reads BENCH_TENANT, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET,
// BENCH_AUTHORITY_HOST and BENCH_SCOPE; the emulator's CA comes in through NODE_EXTRA_CA_CERTS.
import { ClientSecretCredential } from '@azure/identity';

const env = process.env;
const credential = new ClientSecretCredential(env.BENCH_TENANT, env.BENCH_CLIENT_ID, env.BENCH_CLIENT_SECRET, {
  authorityHost: env.BENCH_AUTHORITY_HOST,
  disableInstanceDiscovery: true,
});
const token = await credential.getToken(env.BENCH_SCOPE);
process.stdout.write(`${token.token}\n`);
