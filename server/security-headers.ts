/**
 * Security headers for what the app process serves (security review L1). The origin's
 * localStorage holds every edit link (recent documents), so a script injected into a page would
 * take them all: pages get a Content-Security-Policy whose scripts need a per-request nonce
 * (Next.js puts it on its own scripts when it finds it in the request's CSP header), and no page
 * may be framed unless FRAME_ANCESTORS says where. No response carries a Referer onwards (a
 * click on a link in a document must not hand the edit link to the site it leads to), and none
 * may be sniffed into another content type.
 */
import { randomBytes } from 'node:crypto';

/** Headers on every response of a Tandem process: pages, API, health and metrics. */
export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export interface PagePolicyOptions {
  /** Origins allowed to frame the app (FRAME_ANCESTORS); empty: none. */
  frameAncestors: string[];
  /** PUBLIC_SYNC_URL: where browsers sync (and call the API) when the sync server runs apart. */
  publicSyncUrl: string | null;
  /** `next dev`: React needs eval for its debugging aids there (never in production). */
  dev: boolean;
}

/** A fresh nonce for one page response: 128 random bits. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The Content-Security-Policy of one page response, allowing only scripts that carry `nonce`. */
export function contentSecurityPolicy(nonce: string, options: PagePolicyOptions): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    // 'strict-dynamic': the scripts Next.js' nonced loader adds may run; no host list to bypass.
    'script-src': ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(options.dev ? ["'unsafe-eval'"] : [])],
    // <style> elements need the nonce (TipTap's injected base styles get it); style attributes,
    // which ProseMirror, carets and React set and which cannot run code, are allowed.
    'style-src': ["'self'", `'nonce-${nonce}'`],
    'style-src-attr': ["'unsafe-inline'"],
    // Images in documents come from anywhere on https, or are pasted as data: / blob: URLs;
    // uploaded ones from this origin or, with PUBLIC_SYNC_URL, the sync server's (maybe http).
    'img-src': ["'self'", 'https:', 'data:', 'blob:', ...syncOrigins(options.publicSyncUrl).filter((origin) => origin.startsWith('http'))],
    'font-src': ["'self'"],
    // 'self' covers this origin's ws(s) sync socket and API.
    'connect-src': ["'self'", ...syncOrigins(options.publicSyncUrl)],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': options.frameAncestors.length > 0 ? options.frameAncestors : ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Every header a page response gets, with its CSP for `nonce`. */
export function pageSecurityHeaders(nonce: string, options: PagePolicyOptions): Record<string, string> {
  return {
    ...BASE_SECURITY_HEADERS,
    'content-security-policy': contentSecurityPolicy(nonce, options),
    // For browsers that predate frame-ancestors; it cannot express an allow-list.
    ...(options.frameAncestors.length === 0 ? { 'x-frame-options': 'DENY' } : {}),
  };
}

/** The sync server's WebSocket and HTTP (API) origins, e.g. wss://sync.example.com and https://sync.example.com. */
function syncOrigins(publicSyncUrl: string | null): string[] {
  if (!publicSyncUrl) return [];
  const url = new URL(publicSyncUrl);
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  return [`${secure ? 'wss' : 'ws'}://${url.host}`, `${secure ? 'https' : 'http'}://${url.host}`];
}
