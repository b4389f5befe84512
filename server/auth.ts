/**
 * Token mode (AUTH_SECRET set): HS256 JWTs with claims `room`, `role` (edit | view), `exp`,
 * `aud` (TOKEN_AUDIENCE, `tandem` by default) and optional `name` and `sub` (the author id). A token's `room` names what
 * the URL names: the room id on `/sync/<room>`, the view id on `/sync/view/<viewId>` (so a view
 * token never reveals the room).
 */
import { errors, jwtVerify, SignJWT } from 'jose';

export type Role = 'edit' | 'comment' | 'view';

export interface TokenClaims {
  room: string;
  role: Role;
  /** Expiry, epoch seconds. */
  exp: number;
  name?: string;
  /** The author id (history and authorship), when the issuer names one. */
  sub?: string;
}

/** How tokens are signed and which ones are accepted. */
export interface TokenPolicy {
  secret: string;
  /** The `aud` every token must carry: a token signed with a shared secret for another purpose is refused. */
  audience: string;
  /** Longest a token may still be valid (`exp` − now), in seconds. */
  maxTtlSeconds: number;
}

/** Clock difference tolerated between the token's issuer and this server, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

/** Why a token was refused, as the HTTP status to answer the upgrade with. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

const encodeKey = (secret: string) => new TextEncoder().encode(secret);

/**
 * Verifies `token` for access to `subject` (a room id or view id) with at least `needs`.
 * 401 for a missing, malformed, badly signed or expired token, one for another audience, one
 * valid for longer than the policy allows or issued in the future; 403 for a valid token that
 * does not grant this subject or role.
 */
export async function verifyToken(
  token: string | null,
  policy: TokenPolicy,
  subject: string,
  needs: Role,
): Promise<TokenClaims> {
  if (!token) throw new TokenError(401, 'missing token');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, encodeKey(policy.secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      audience: policy.audience,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenError(401, 'token expired');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') throw new TokenError(401, 'token is for another audience');
    throw new TokenError(401, 'invalid token');
  }
  const { room, role, exp, iat, name, sub } = payload;
  if (typeof room !== 'string' || (role !== 'edit' && role !== 'view') || typeof exp !== 'number') {
    throw new TokenError(401, 'token lacks room, role or exp');
  }
  // An unbounded `exp` is a capability that never dies (and overflows the expiry timer).
  const now = Date.now() / 1000;
  if (exp - now > policy.maxTtlSeconds + CLOCK_SKEW_SECONDS) throw new TokenError(401, 'token lifetime too long');
  if (typeof iat === 'number' && iat > now + CLOCK_SKEW_SECONDS) throw new TokenError(401, 'token issued in the future');
  if (room !== subject) throw new TokenError(403, 'token is for another room');
  if (needs === 'edit' && role !== 'edit') throw new TokenError(403, 'token does not grant editing');
  return { room, role, exp, ...(typeof name === 'string' ? { name } : {}), ...(typeof sub === 'string' ? { sub } : {}) };
}

/** Signs a token (what an integrator's backend does; Tandem's web app does it for link holders). */
export async function mintToken(
  policy: Pick<TokenPolicy, 'secret' | 'audience'>,
  claims: { room: string; role: Role; name?: string; sub?: string },
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: number }> {
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await new SignJWT({
    room: claims.room,
    role: claims.role,
    ...(claims.name ? { name: claims.name } : {}),
    ...(claims.sub ? { sub: claims.sub } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(policy.audience)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(encodeKey(policy.secret));
  return { token, expiresAt: exp * 1000 };
}
