/** Share links: the edit link names the room, the view link names only the view id. */
import { describe, expect, it } from 'vitest';
import { editLinkFor, viewLinkFor } from './share-links';

describe('share links', () => {
  it('builds the edit link from the room id', () => {
    expect(editLinkFor('https://docs.example.com', 'room_1')).toBe('https://docs.example.com/d/room_1');
  });

  it('builds the view link from the view id alone', () => {
    const link = viewLinkFor('http://localhost:3000', 'view-2');
    expect(link).toBe('http://localhost:3000/v/view-2');
    expect(link).not.toContain('/d/');
  });
});
