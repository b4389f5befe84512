'use client';
import type { Editor } from '@tiptap/react';
import { ToolbarButton } from './ToolbarButton';

/** Row and column operations for the table holding the selection. */
export function TableTools({ editor }: { editor: Editor }) {
  const run = (command: (chain: ReturnType<Editor['chain']>) => ReturnType<Editor['chain']>) => () => command(editor.chain().focus()).run();
  return (
    <div role="group" aria-label="Table" className="toolbar-group toolbar-table-tools">
      <ToolbarButton label="Add row before" onClick={run((chain) => chain.addRowBefore())}>
        ↑+
      </ToolbarButton>
      <ToolbarButton label="Add row after" onClick={run((chain) => chain.addRowAfter())}>
        ↓+
      </ToolbarButton>
      <ToolbarButton label="Delete row" onClick={run((chain) => chain.deleteRow())}>
        −R
      </ToolbarButton>
      <ToolbarButton label="Add column before" onClick={run((chain) => chain.addColumnBefore())}>
        ←+
      </ToolbarButton>
      <ToolbarButton label="Add column after" onClick={run((chain) => chain.addColumnAfter())}>
        →+
      </ToolbarButton>
      <ToolbarButton label="Delete column" onClick={run((chain) => chain.deleteColumn())}>
        −C
      </ToolbarButton>
      <ToolbarButton label="Delete table" onClick={run((chain) => chain.deleteTable())}>
        ✕
      </ToolbarButton>
    </div>
  );
}
