import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="home">
      <h1>Not found</h1>
      <p>This link does not lead to a document. Check it, or start a new one.</p>
      <Link href="/">Go to Tandem</Link>
    </main>
  );
}
