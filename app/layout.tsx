import type { Metadata, Viewport } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { NONCE_HEADER } from '../lib/protocol/csp-nonce';
import { THEME_BOOT_SCRIPT } from '../lib/prefs/theme';
import './globals.css';
import './styles/comments.css';
import './styles/editor-toolbar.css';
import './styles/print.css';
import './styles/version-history.css';
import './styles/writing-aids.css';
// Last: the phone's rules override the ones above.
import './styles/phone.css';

export const metadata: Metadata = {
  title: 'Tandem',
  description: 'Write together, in real time, on your own server.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

// Reading the request's nonce renders every page per request: a prerendered page would carry
// scripts without this response's nonce, which its CSP refuses.
export default async function RootLayout({ children }: { children: ReactNode }) {
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined;
  return (
    // The boot script sets data-theme before React hydrates; the attribute is expected to differ.
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Before the first paint, so a dark-mode page never flashes light. */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
      <body>{children}</body>
    </html>
  );
}
