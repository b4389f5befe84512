import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ViewerPageLoader } from '../../../components/ViewerPageLoader';
import { isValidRoomId } from '../../../lib/protocol/room-id';
import { readAppConfig } from '../../../server/config';

// PUBLIC_SYNC_URL and AUTH_SECRET are read per request, so one build serves any deployment.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'View only · Tandem' };

export default async function ViewRoute({ params }: { params: Promise<{ viewId: string }> }) {
  const { viewId } = await params;
  // View ids have the room ids' alphabet; anything else cannot be one, and the page never
  // learns (or could reveal) which room a valid one maps to.
  if (!isValidRoomId(viewId)) notFound();
  const { syncUrl, tokenMode } = readAppConfig(process.env);
  return <ViewerPageLoader viewId={viewId} syncUrl={syncUrl} tokenMode={tokenMode} />;
}
