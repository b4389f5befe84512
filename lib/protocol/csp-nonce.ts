/**
 * The per-request CSP nonce (server/security-headers.ts): the app server hands it to Next.js in
 * the request header NONCE_HEADER; in the browser it is read back from Next.js' own nonced
 * scripts, for libraries that add <style> elements (TipTap's base styles).
 */

/** Request header carrying the nonce from the app server to the server components. */
export const NONCE_HEADER = 'x-nonce';

/** This page's nonce in the browser (undefined when none was set, e.g. without a CSP). */
export function pageNonce(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  // Browsers hide the nonce attribute's value from the DOM, but not the property.
  return document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce || undefined;
}
