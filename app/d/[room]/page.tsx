import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EditorPageLoader } from '../../../components/EditorPageLoader';
import { isValidRoomId, REFUSED_NEW_ROOM_HEADER } from '../../../lib/protocol/room-id';
import { readAppConfig } from '../../../server/config';

// PUBLIC_SYNC_URL and AUTH_SECRET are read per request, so one build serves any deployment.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Document · Tandem' };

export default async function DocumentRoute({ params }: { params: Promise<{ room: string }> }) {
  const { room } = await params;
  if (!isValidRoomId(room)) notFound();
  const minimumLength = (await headers()).get(REFUSED_NEW_ROOM_HEADER);
  if (minimumLength) {
    return (
      <main className="home">
        <h1>No document here</h1>
        <p>
          New documents need an address of at least {minimumLength} characters, so that nobody can guess it. No document
          is stored under this one.
        </p>
        <Link href="/">Start a new document</Link>
      </main>
    );
  }
  const { syncUrl, tokenMode } = readAppConfig(process.env);
  return <EditorPageLoader room={room} syncUrl={syncUrl} tokenMode={tokenMode} />;
}
