/**
 * What every API route does with its request the same way: the refusal it answers with
 * (HttpError), the JSON body it reads (bounded), and the bearer token it checks in token mode.
 */
import type { IncomingMessage } from 'node:http';
import { TokenError, verifyToken, type Role, type TokenClaims, type TokenPolicy } from './auth';

/** Largest request body the API reads. */
const MAX_BODY_BYTES = 4096;

/** A refused request: its status and the message the caller sees. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The claims of the request's `Authorization: Bearer` token for `subject` with at least
 * `needs`; null in open mode (the id in the path is the capability). Refusals are HttpErrors
 * with the token's status (401/403).
 */
export async function bearerClaims(request: IncomingMessage, tokens: TokenPolicy | null, subject: string, needs: Role): Promise<TokenClaims | null> {
  if (!tokens) return null;
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
  try {
    return await verifyToken(token, tokens, subject, needs);
  } catch (error) {
    if (error instanceof TokenError) throw new HttpError(error.status, error.message);
    throw error;
  }
}

/** The request's body as a JSON object; 413 past MAX_BODY_BYTES, 400 for anything else. */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Not JSON: answered below like any other body that is not an object.
  }
  throw new HttpError(400, 'expected a JSON object');
}
