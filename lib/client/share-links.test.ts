/** Share links: the edit link names the room, the comment and view links only their own ids. */
import { describe, expect, it } from 'vitest';
import { commentLinkFor, editLinkFor, viewLinkFor } from './share-links';

describe('share links', () => {
  it('builds the edit link from the room id', () => {
    expect(editLinkFor('https://docs.example.com', 'room_1')).toBe('https://docs.example.com/d/room_1');
  });

  it('builds the view link from the view id alone', () => {
    const link = viewLinkFor('http://localhost:3000', 'view-2');
    expect(link).toBe('http://localhost:3000/v/view-2');
    expect(link).not.toContain('/d/');
  });

  it('builds the comment link from the comment id alone', () => {
    expect(commentLinkFor('http://localhost:3000', 'comment-3')).toBe('http://localhost:3000/c/comment-3');
  });
});
