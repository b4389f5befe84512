/**
 * The shared types a Tandem Y.Doc holds at its root, named once for the editor, the title
 * input, import/export and the server's document guard (which refuses any other root).
 */

/** The rich text body: TipTap's Collaboration extension binds its default field. */
export const CONTENT_FRAGMENT_NAME = 'default';

/** The title: a Y.Text beside the body (export and import read the same one). */
export const TITLE_TEXT_NAME = 'title';
