import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { CommentPageLoader } from '../../../components/CommentPageLoader';
import { isValidRoomId } from '../../../lib/protocol/room-id';
import { readAppConfig } from '../../../server/config';

// PUBLIC_SYNC_URL and AUTH_SECRET are read per request, so one build serves any deployment.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Comment · Tandem' };

export default async function CommentRoute({ params }: { params: Promise<{ commentId: string }> }) {
  const { commentId } = await params;
  // Comment ids have the room ids' alphabet; the page never learns which room one maps to.
  if (!isValidRoomId(commentId)) notFound();
  const { syncUrl, tokenMode } = readAppConfig(process.env);
  return <CommentPageLoader commentId={commentId} syncUrl={syncUrl} tokenMode={tokenMode} />;
}
