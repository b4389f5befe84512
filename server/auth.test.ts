/** Token checks: audience, maximum lifetime and issue time, on top of jose's signature checks. */
import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, mintToken, verifyToken, type TokenPolicy } from './auth';

const POLICY: TokenPolicy = { secret: 'k'.repeat(32), audience: 'tandem', maxTtlSeconds: 3600 };
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, { exp = now() + 60, aud = 'tandem' as string | null, iat = now() } = {}) {
  const jwt = new SignJWT({ room: 'room-1', role: 'edit', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(iat).setExpirationTime(exp);
  if (aud !== null) jwt.setAudience(aud);
  return jwt.sign(new TextEncoder().encode(POLICY.secret));
}

describe('verifyToken', () => {
  it('accepts what mintToken makes, which carries the audience', async () => {
    const { token } = await mintToken(POLICY, { room: 'room-1', role: 'view' }, 600);
    expect(decodeJwt(token).aud).toBe('tandem');
    await expect(verifyToken(token, POLICY, 'room-1', 'view')).resolves.toMatchObject({ room: 'room-1', role: 'view' });
  });

  it('accepts a token living exactly the maximum lifetime, and an issue time within the clock skew', async () => {
    await expect(verifyToken(await sign({}, { exp: now() + 3600 }), POLICY, 'room-1', 'edit')).resolves.toBeTruthy();
    await expect(verifyToken(await sign({}, { iat: now() + CLOCK_SKEW_SECONDS - 5 }), POLICY, 'room-1', 'edit')).resolves.toBeTruthy();
  });

  it.each([
    ['no audience', { aud: null }, /audience/],
    ['another audience', { aud: 'billing' }, /audience/],
    ['a lifetime past the maximum', { exp: now() + 3600 + CLOCK_SKEW_SECONDS + 60 }, /lifetime/],
    ['exp = 8.64e12', { exp: 8.64e12 }, /lifetime/],
    ['an issue time in 2100', { iat: 4_102_444_800 }, /future/],
  ])('refuses a token with %s (401)', async (_label, options, message) => {
    await expect(verifyToken(await sign({}, options), POLICY, 'room-1', 'edit')).rejects.toMatchObject({ status: 401, message: expect.stringMatching(message) });
  });
});
