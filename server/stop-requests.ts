/**
 * How a running process learns it must stop: SIGTERM/SIGINT, and, under Tandem's supervisor
 * (`scripts/supervise.mjs`, which `npm start` and `npm run server` run), its IPC channel. The
 * first request starts the graceful stop; a second, deliberate one ends the process at once.
 *
 * Run directly (`node server/main.ts`, a container's PID 1, systemd's `ExecStart=node …`), every
 * signal is one deliberate request. Supervised, copies of one request arrive from several
 * senders (the terminal signals the whole foreground group, npm forwards its own copy, systemd's
 * default `KillMode=control-group` signals every process), so repeated signals are ignored and
 * only the supervisor, which sees each request once, says "now" (a `force` message). If the
 * supervisor dies (SIGKILL, a closed terminal), the channel closes and the server stops too:
 * it is never left running on its own.
 */
import os from 'node:os';

/** The flag the supervisor passes to the entry point it runs. */
export const SUPERVISED_FLAG = '--supervised';

/** What the supervisor sends for a second stop request during the shutdown. */
export interface ForceStopMessage {
  type: 'force-stop';
  signal: NodeJS.Signals;
}

export interface StopRequestHandlers {
  /** Starts the graceful stop; called at most once. */
  stop(reason: string): void;
  /** A second request during the stop: exit now with `exitCode`; called at most once. */
  stopNow(reason: string, exitCode: number): void;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Installs the handlers for the rest of the process's life (`process.on`, never `once`). */
export function listenForStopRequests(handlers: StopRequestHandlers, argv = process.argv): void {
  const supervised = argv.includes(SUPERVISED_FLAG) && typeof process.send === 'function';
  let state: 'running' | 'stopping' | 'ending' = 'running';
  const request = (reason: string, deliberate: boolean, exitCode: number) => {
    if (state === 'running') {
      state = 'stopping';
      handlers.stop(reason);
    } else if (state === 'stopping' && deliberate) {
      state = 'ending';
      handlers.stopNow(reason, exitCode);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => request(signal, !supervised, signalExitCode(signal)));
  if (!supervised) return;
  process.on('message', (message: Partial<ForceStopMessage>) => {
    if (message?.type === 'force-stop' && message.signal) request(message.signal, true, signalExitCode(message.signal));
  });
  process.on('disconnect', () => request('supervisor exited', false, 1));
}

/** The shell's convention for "ended by this signal": 128 + its number (130 for SIGINT). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}
