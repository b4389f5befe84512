import { describe, expect, it } from 'vitest';
import { SHORTCUT_GROUPS } from '../../components/toolbar/shortcuts';
import { filterSlashCommands, SLASH_COMMANDS } from './slash-commands';

const labels = (query: string) => filterSlashCommands(query).map((command) => command.label);

describe('the slash menu’s filter', () => {
  it('lists every block for an empty filter, in table order', () => {
    expect(labels('')).toEqual([
      'Heading 1',
      'Heading 2',
      'Heading 3',
      'Bullet list',
      'Numbered list',
      'Task list',
      'Quote',
      'Code block',
      'Table',
      'Divider',
      'Image',
    ]);
  });

  it('finds blocks by the start of any word of their label, case ignored', () => {
    expect(labels('head')).toEqual(['Heading 1', 'Heading 2', 'Heading 3']);
    expect(labels('LIST')).toEqual(['Bullet list', 'Numbered list', 'Task list']);
    expect(labels('code')).toEqual(['Code block']);
    expect(labels('heading 2')).toEqual(['Heading 2']);
    expect(labels('bulletl')).toEqual(['Bullet list']);
  });

  it('finds blocks by their keywords', () => {
    expect(labels('h2')).toEqual(['Heading 2']);
    expect(labels('hr')).toEqual(['Divider']);
    expect(labels('todo')).toEqual(['Task list']);
    expect(labels('pic')).toEqual(['Image']);
  });

  it('finds nothing for text that names no block, nor for text in the middle of a word', () => {
    expect(labels('xyz')).toEqual([]);
    expect(labels('eading')).toEqual([]);
  });
});

describe('the slash menu’s table', () => {
  it('names each block as the shortcuts dialog names its shortcut', () => {
    const actions = new Map(SHORTCUT_GROUPS.flatMap((group) => group.shortcuts.map((entry) => [entry.name, entry.action] as const)));
    for (const command of SLASH_COMMANDS.filter((entry) => entry.shortcut)) {
      expect(actions.get(command.shortcut!), command.id).toBe(command.label);
    }
  });

  it('either applies a block or opens a dialog, and has unique ids', () => {
    for (const command of SLASH_COMMANDS) expect(Boolean(command.apply) !== Boolean(command.opensDialog), command.id).toBe(true);
    expect(new Set(SLASH_COMMANDS.map((command) => command.id)).size).toBe(SLASH_COMMANDS.length);
  });
});
