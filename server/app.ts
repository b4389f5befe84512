/**
 * `npm start` / `npm run dev`: the web app (Next.js) and the sync server in one process on one
 * port (default 3000). HTTP goes to Next.js; upgrades on /sync/<room> go to the sync server.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { NONCE_HEADER } from '../lib/protocol/csp-nonce';
import { isValidRoomId, REFUSED_NEW_ROOM_HEADER } from '../lib/protocol/room-id';
import { APP_DEFAULT_PORT, configFromEnv, type ServerConfig } from './config';
import { loadDotEnv } from './dot-env';
import type { WebApp } from './http';
import { runTandemProcess } from './process';
import { createNonce, pageSecurityHeaders } from './security-headers';
import type { DocumentLog } from './storage';
import { isRefusedNewRoom } from './upgrade';

const dev = process.argv.includes('--dev');
const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function createNextApp(config: ServerConfig, documents: DocumentLog): Promise<WebApp> {
  const app = next({ dev, dir: projectDir });
  await app.prepare();
  const handleRequest = app.getRequestHandler();
  const handleUpgrade = app.getUpgradeHandler();
  const policy = { frameAncestors: config.frameAncestors, publicSyncUrl: config.publicSyncUrl, dev };
  return {
    handleRequest: (request, response) => {
      const nonce = createNonce();
      const headers = pageSecurityHeaders(nonce, policy);
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
      // As Next.js documents for its proxy: it reads the nonce from the request's CSP header and
      // puts it on its own scripts; the root layout reads x-nonce for the theme boot script.
      // Both are set here, so a client cannot supply its own.
      request.headers['content-security-policy'] = headers['content-security-policy'];
      request.headers[NONCE_HEADER] = nonce;
      delete request.headers[REFUSED_NEW_ROOM_HEADER];
      const room = /^\/d\/([^/?#]+)/.exec(request.url ?? '')?.[1];
      if (!room || !isValidRoomId(room)) return void handleRequest(request, response);
      isRefusedNewRoom(room, { tokenMode: config.authSecret !== null, minNewRoomIdLength: config.minNewRoomIdLength, documents }).then(
        (refused) => {
          if (refused) request.headers[REFUSED_NEW_ROOM_HEADER] = String(config.minNewRoomIdLength);
          void handleRequest(request, response);
        },
        // Storage down: the editor page itself says it cannot connect, as for any room.
        () => void handleRequest(request, response),
      );
    },
    // Next.js' own upgrades (hot reload in dev); sync upgrades never reach here.
    handleUpgrade: (request, socket, head) => void handleUpgrade(request, socket, head),
  };
}

async function main(): Promise<void> {
  loadDotEnv(process.env);
  const config = configFromEnv(process.env, APP_DEFAULT_PORT);
  const { port } = await runTandemProcess(config, (_logger, documents) => createNextApp(config, documents));
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  console.log(`\n  Tandem is ready: http://${host}:${port}\n`);
}

main().catch((error: Error) => {
  console.error(`tandem failed to start: ${error.message}`);
  process.exit(1);
});
