/**
 * The caret plugin's defences: only someone else's well-formed presence is drawn, and a throw
 * while computing caret decorations never escapes the transaction that carries a change.
 */
import { Schema } from '@tiptap/pm/model';
import { EditorState, Plugin, PluginKey } from '@tiptap/pm/state';
import { DecorationSet } from '@tiptap/pm/view';
import { describe, expect, it, vi } from 'vitest';
import { containCaretFailures, drawsRemoteCaret, warnOnce } from './presence-carets';

const schema = new Schema({
  nodes: { doc: { content: 'paragraph+' }, paragraph: { content: 'text*', toDOM: () => ['p', 0] }, text: {} },
});
const position = { type: null, tname: 'default', item: null, assoc: 0 };
const bob = { user: { name: 'Bob', color: '#b42318' }, cursor: { anchor: position, head: position } };

/** A caret plugin whose decorations fail to compute whenever `failing.now` is set. */
function caretPlugin(failing: { now: boolean }): Plugin<DecorationSet> {
  const compute = () => {
    if (failing.now) throw new TypeError("Cannot read properties of undefined (reading 'type')");
    return DecorationSet.empty;
  };
  return new Plugin<DecorationSet>({
    key: new PluginKey('test-carets'),
    state: { init: compute, apply: compute },
  });
}

describe('drawsRemoteCaret', () => {
  it('draws someone else in Tandem\'s presence shape', () => {
    expect(drawsRemoteCaret(1, 2, bob)).toBe(true);
  });

  it('never draws our own caret', () => {
    expect(drawsRemoteCaret(2, 2, bob)).toBe(false);
  });

  it.each([
    ['a caret without positions (finding C1)', { ...bob, cursor: {} }],
    ['a caret whose head is not a position', { ...bob, cursor: { anchor: position, head: 'start' } }],
    ['a colour that is a url()', { ...bob, user: { name: 'Bob', color: 'url(http://attacker.example/t.png)' } }],
    ['no state', null],
  ])('ignores %s', (_label, state) => {
    expect(drawsRemoteCaret(1, 2, state)).toBe(false);
  });
});

describe('containCaretFailures', () => {
  it('lets a change through when computing carets throws, and warns once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const failing = { now: true };
      const plugin = containCaretFailures(caretPlugin(failing), warnOnce());
      let state = EditorState.create({ schema, plugins: [plugin] });
      expect(plugin.getState(state)).toBe(DecorationSet.empty);

      for (const text of ['Alice ', 'and Bob']) state = state.apply(state.tr.insertText(text, state.doc.content.size - 1));
      expect(state.doc.textContent).toBe('Alice and Bob');
      expect(plugin.getState(state)).toBeInstanceOf(DecorationSet);
      expect(warn).toHaveBeenCalledTimes(1);

      // Once the state is fine again, carets are computed as before.
      failing.now = false;
      state = state.apply(state.tr.insertText('!', state.doc.content.size - 1));
      expect(state.doc.textContent).toBe('Alice and Bob!');
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps the plugin\'s key, so its decorations are found where they were', () => {
    const original = caretPlugin({ now: false });
    expect(containCaretFailures(original, warnOnce()).spec.key).toBe(original.spec.key);
  });
});
