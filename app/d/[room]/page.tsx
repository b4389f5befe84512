import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { EditorPageLoader } from '../../../components/EditorPageLoader';
import { isValidRoomId } from '../../../lib/room-id';

// PUBLIC_SYNC_URL and AUTH_SECRET are read per request, so one build serves any deployment.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Document · Tandem' };

export default async function DocumentRoute({ params }: { params: Promise<{ room: string }> }) {
  const { room } = await params;
  if (!isValidRoomId(room)) notFound();
  return (
    <EditorPageLoader room={room} syncUrl={process.env.PUBLIC_SYNC_URL || null} tokenMode={!!process.env.AUTH_SECRET} />
  );
}
