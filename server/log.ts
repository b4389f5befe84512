/** Structured JSON logs (pino). Never log tokens or document content: ids and sizes only. */
import pino from 'pino';

export type Logger = pino.Logger;

/** A root logger writing JSON lines to stdout at `level`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'tandem' } });
}
