/**
 * Runs a Tandem process: opens storage, serves HTTP + sync on one port, and shuts down
 * gracefully on SIGTERM/SIGINT (stop accepting, close sockets with 1012, finish writes,
 * exit 0; a second request during that exits at once, see stop-requests.ts). Shared by the
 * standalone sync server (main.ts) and the app server (app.ts).
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config';
import { createHttpServer, type WebApp } from './http';
import { createLogger, roomLogId, type Logger } from './log';
import { LogMessage } from './log-messages';
import { createMetrics } from './metrics';
import { RedisFanout } from './scale/redis-fanout';
import type { ScaleOut } from './scale-out';
import { openStorage, type DocumentLog } from './storage';
import { createHistoryService } from './history/service';
import { listenForStopRequests } from './stop-requests';
import { createSyncServer, type SyncServer } from './sync-server';

export interface RunningProcess {
  server: http.Server;
  logger: Logger;
  port: number;
}

/** Starts listening; resolves once the port is bound. */
export async function runTandemProcess(
  config: ServerConfig,
  createWebApp?: (logger: Logger, documents: DocumentLog) => Promise<WebApp>,
): Promise<RunningProcess> {
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  const storage = await openStorage(config.databaseUrl, {
    synchronous: config.sqliteSynchronous,
    timeoutMs: config.storageTimeoutMs,
    onIdleError: (error) => logger.warn({ err: error.message }, 'idle database connection lost'),
    onCompactionLockWait: (room) => {
      metrics.compactionLockWaits.inc();
      logger.info({ room: roomLogId(room) }, LogMessage.compactionLockWait);
    },
  });
  // The sync server closes this instance's viewers of a link another instance rotated, but it
  // can only be created after the fanout (its rooms link through it). So the fanout is given a
  // function that reaches the sync server once it exists: until then no viewer is connected
  // here, and a revocation heard meanwhile has nothing to close.
  let syncServer: SyncServer | null = null;
  const scale: ScaleOut | undefined = config.redisUrl
    ? await RedisFanout.connect({
      redisUrl: config.redisUrl,
      instanceId: config.instanceId,
      healIntervalMs: config.scaleHealIntervalMs,
      timeoutMs: config.redisTimeoutMs,
      storage,
      onViewLinkRevoked: (viewId) => syncServer?.revokeViewLink(viewId),
      onCommentLinkRevoked: (commentId) => syncServer?.revokeCommentLink(commentId),
      onRoomDeleted: (room) => syncServer?.roomDeleted(room),
      logger,
      metrics,
    })
    : undefined;
  const sync = createSyncServer({
    ...config,
    storage,
    logger,
    metrics,
    scale,
    commentsVisibleToViewers: async (room) => (await storage.getSettings(room)).commentsVisibleToViewers,
    deletions: storage,
  });
  syncServer = sync;
  const webApp = createWebApp ? await createWebApp(logger, storage) : undefined;
  // One database holds both the document log and the links (storage/types.ts).
  const history = createHistoryService({
    storage,
    withRoom: sync.withRoom,
    settleHistory: sync.settleHistory,
    onSettingsChanged: (room) => sync.commentSettingsChanged(room),
    logger,
    restoreBudgetMs: config.restoreBudgetMs,
    maxNestingDepth: config.maxNestingDepth,
  });
  const server = createHttpServer({ config, sync, documents: storage, links: storage, tombstones: storage, history, images: storage, scale, logger, metrics, webApp });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // One graceful stop per process; a second, deliberate request ends it at once (stop-requests.ts).
  // Installed before "listening" is logged: whoever waits for that line may stop us at once.
  const stop = async (reason: string) => {
    logger.info({ signal: reason }, LogMessage.shuttingDown);
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, LogMessage.shutdownTimedOut);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    server.close();
    await sync.close();
    // After the rooms are flushed and freed: peers hear LEFT and drop this instance's presence.
    await scale?.close();
    await storage.close();
    server.closeAllConnections();
    logger.info(LogMessage.stopped);
    process.exit(0);
  };
  listenForStopRequests({
    stop: (reason) => void stop(reason),
    stopNow: (reason, exitCode) => {
      logger.warn({ signal: reason, exitCode }, LogMessage.stoppedAtOnce);
      process.exit(exitCode);
    },
  });
  logger.info(
    {
      port,
      host: config.host,
      mode: createWebApp ? 'app' : 'sync',
      storage: storage.kind,
      auth: config.authSecret ? 'token' : 'open',
      instance: scale?.instanceId ?? null,
    },
    LogMessage.listening,
  );
  return { server, logger, port };
}
