import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { THEME_BOOT_SCRIPT } from '../lib/theme';
import './globals.css';
import './styles/editor-toolbar.css';
import './styles/print.css';

export const metadata: Metadata = {
  title: 'Tandem',
  description: 'Write together, in real time, on your own server.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The boot script sets data-theme before React hydrates; the attribute is expected to differ.
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Before the first paint, so a dark-mode page never flashes light. */}
        <script dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
      <body>{children}</body>
    </html>
  );
}
