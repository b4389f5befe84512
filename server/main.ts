/** `npm run server`: the sync server alone (default port 1234), for self-hosting it apart. */
import { configFromEnv, SYNC_SERVER_DEFAULT_PORT } from './config';
import { loadDotEnv } from './dot-env';
import { runTandemProcess } from './process';

loadDotEnv(process.env);
runTandemProcess(configFromEnv(process.env, SYNC_SERVER_DEFAULT_PORT)).catch((error: Error) => {
  console.error(`tandem sync server failed to start: ${error.message}`);
  process.exit(1);
});
