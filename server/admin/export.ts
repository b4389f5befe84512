/**
 * `export <room>`: the document as Markdown, HTML, ProseMirror JSON (converted here with the
 * editor's own schema, lib/editor/document-export.ts) or the Yjs update itself.
 */
import fs from 'node:fs';
import * as Y from 'yjs';
import { exportDocument } from '../../lib/editor/document-export';
import { AdminError, choiceOption, optionValue, positionals } from './args';
import type { AdminCommand } from './command';
import { loadStoredDoc, requireRoom } from './room-documents';

const FORMATS = ['markdown', 'html', 'json', 'yjs'] as const;

export const exportCommand: AdminCommand = {
  name: 'export',
  summary: 'write a room as Markdown, HTML, ProseMirror JSON or a Yjs update',
  help: `Usage: npm run admin -- export <room> [--format markdown|html|json|yjs] [--out <file>]

Writes the room's current document to stdout, or to --out.
  --format markdown   GitHub-flavoured Markdown, as the editor's Export menu writes it (the default)
  --format html       one standalone HTML page with the title
  --format json       the ProseMirror JSON of the body
  --format yjs        the whole Yjs document as one binary update (Y.applyUpdate reads it);
                      to a terminal only with --out
Comments are left out, as in the editor's exports.`,
  options: { format: true, out: true },
  async run(context, args) {
    const [room] = positionals(args, ['room']);
    const format = choiceOption(args, 'format', FORMATS, 'markdown');
    const out = optionValue(args, 'out');
    if (format === 'yjs' && !out && context.io.stdout.isTTY) {
      throw new AdminError('a Yjs update is binary: write it with --out <file> or redirect stdout');
    }
    const storage = await context.storage();
    await requireRoom(storage, room);
    const doc = await loadStoredDoc(storage, room);
    let output: string | Uint8Array;
    try {
      output = format === 'yjs' ? Y.encodeStateAsUpdate(doc) : exportDocument(doc, format);
    } finally {
      doc.destroy();
    }
    if (!out) {
      context.io.stdout.write(output);
      return;
    }
    try {
      fs.writeFileSync(out, output);
    } catch (error) {
      throw new AdminError(`cannot write ${out}: ${(error as Error).message}`);
    }
    context.io.stderr.write(`wrote ${room} as ${format} to ${out} (${Buffer.byteLength(output)} bytes)\n`);
  },
};
