// `node dist/src/healthcheck.js [--role api|worker]`: the container health probe (the Dockerfile's
// HEALTHCHECK, the compose services' healthcheck). api (default): this container's /readyz answers
// 200; worker: HEARTBEAT_FILE was touched within 30 s. Exit 0 healthy, 1 not; one line on stdout.
import { ConfigError, loadConfig, type Config } from './config.js';
import { probeApi, probeHeartbeat } from './health-probe.js';

const i = process.argv.indexOf('--role');
const role = i >= 0 ? process.argv[i + 1] : 'api';
if (role !== 'api' && role !== 'worker') {
  console.log(`--role must be api or worker (got "${role ?? ''}")`);
  process.exit(2);
}
let config: Config;
try {
  config = loadConfig();
} catch (err) {
  console.log(err instanceof ConfigError ? err.problems.join('; ') : String(err));
  process.exit(1);
}
const result = role === 'worker' ? probeHeartbeat(config.HEARTBEAT_FILE, new Date()) : await probeApi(config.PORT);
console.log(result.detail);
process.exit(result.ok ? 0 : 1);
