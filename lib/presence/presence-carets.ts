/**
 * Tandem's caret extension: TipTap's CollaborationCaret (same carets, same labels, and our own
 * `user` and `cursor` published as before), with two defences @tiptap/y-tiptap lacks. Other
 * people's presence outside Tandem's schema never reaches the caret plugin, and a throw while
 * computing caret decorations is contained. The cursor plugin recomputes its decorations
 * inside the ySync plugin's dispatch of every remote change; a throw there (finding C1: one
 * caret without positions) lets the change reach the Y.Doc but not the view, and the next
 * keystroke then deletes it from the shared document.
 */
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { Plugin, type EditorState, type EditorStateConfig, type StateField, type Transaction } from '@tiptap/pm/state';
import { DecorationSet, type DecorationAttrs } from '@tiptap/pm/view';
import { yCursorPlugin, yCursorPluginKey } from '@tiptap/y-tiptap';
import { isPresenceState } from '../protocol/presence-schema';
import { renderCaret } from './caret-label';

/** Told about a failure while drawing carets; Tandem warns once per editor. */
export type CaretFailureReport = (error: unknown) => void;

/**
 * Whether the cursor plugin draws `clientId`'s caret: someone else's, in Tandem's presence
 * shape (the plugin's `awarenessStateFilter`, given our client id, theirs, and their state).
 */
export function drawsRemoteCaret(localClientId: number, clientId: number, state: unknown): boolean {
  return clientId !== localClientId && isPresenceState(state);
}

/** A report that warns on the console the first time only (a bad state fails every change). */
export function warnOnce(): CaretFailureReport {
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    console.warn('Tandem: drawing other people\'s carets failed; document sync is unaffected.', error);
  };
}

/**
 * `plugin` with its state field guarded: when computing its value throws, the field keeps its
 * previous value (mapped through the change) or starts empty, and `report` is told. The
 * transaction, and so the remote change it carries, always completes.
 */
export function containCaretFailures(plugin: Plugin<DecorationSet>, report: CaretFailureReport): Plugin<DecorationSet> {
  const field = plugin.spec.state;
  if (!field) return plugin;
  const contained: StateField<DecorationSet> = {
    ...field,
    init(this: Plugin, config: EditorStateConfig, instance: EditorState) {
      try {
        return field.init.call(this, config, instance);
      } catch (error) {
        report(error);
        return DecorationSet.empty;
      }
    },
    apply(this: Plugin, tr: Transaction, previous: DecorationSet, oldState: EditorState, newState: EditorState) {
      try {
        return field.apply.call(this, tr, previous, oldState, newState);
      } catch (error) {
        report(error);
        return tr.docChanged ? previous.map(tr.mapping, tr.doc) : previous;
      }
    },
  };
  return new Plugin({ ...plugin.spec, state: contained });
}

/** `build` guarded: a throw yields `fallback()` and is reported (carets are drawn lazily, inside dispatch). */
function guarded<U, T>(build: (user: U) => T, fallback: () => T, report: CaretFailureReport): (user: U) => T {
  return (user) => {
    try {
      return build(user);
    } catch (error) {
      report(error);
      return fallback();
    }
  };
}

/**
 * CollaborationCaret with its y-tiptap cursor plugin rebuilt: filtered through Tandem's
 * presence schema, drawn with Tandem's `render` (lib/presence/caret-label.ts: the name, or on a
 * phone its initial in the margin) and CollaborationCaret's `selectionRender`, failures
 * contained. Its other plugin (publishing our `user`) is kept as it is.
 */
export const SafeCollaborationCaret = CollaborationCaret.extend({
  addOptions() {
    // CollaborationCaret's options (it always has them) with the caret drawn our way.
    return { ...this.parent!(), render: renderCaret };
  },
  addProseMirrorPlugins() {
    const report = warnOnce();
    const { provider, render, selectionRender } = this.options;
    const carets = yCursorPlugin(provider.awareness, {
      awarenessStateFilter: drawsRemoteCaret,
      cursorBuilder: guarded(render, () => document.createElement('span'), report),
      selectionBuilder: guarded(selectionRender, (): DecorationAttrs => ({}), report),
    }) as Plugin<DecorationSet>;
    const inherited = this.parent?.() ?? [];
    // Exactly one plugin may hold the cursor key: replace CollaborationCaret's unfiltered one.
    return [...inherited.filter((plugin) => plugin.spec.key !== yCursorPluginKey), containCaretFailures(carets, report)];
  },
});
