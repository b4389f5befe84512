/**
 * How another person's caret is drawn: CollaborationCaret's caret and name label (same classes,
 * so the desktop look is unchanged), with the first letter of the name on the label too. On a
 * phone the label is only that letter, in the margin beside the caret's line
 * (app/styles/phone.css), so it never covers the text anyone is typing on that line.
 */

/** The letter a narrow screen shows for `name`: its first character, capitalised. */
export function caretInitialOf(name: string): string {
  return Array.from(name.trim())[0]?.toLocaleUpperCase() ?? '?';
}

/** The caret element for a person's presence `user` (drawn only for Tandem's presence shape). */
export function renderCaret(user: Record<string, unknown>): HTMLElement {
  const name = typeof user.name === 'string' ? user.name : '';
  const color = typeof user.color === 'string' ? user.color : 'transparent';
  const caret = document.createElement('span');
  caret.classList.add('collaboration-carets__caret');
  caret.style.borderColor = color;
  const label = document.createElement('div');
  label.classList.add('collaboration-carets__label');
  label.style.backgroundColor = color;
  label.dataset.initial = caretInitialOf(name);
  const fullName = document.createElement('span');
  fullName.classList.add('collaboration-carets__name');
  fullName.textContent = name;
  label.append(fullName);
  caret.append(label);
  return caret;
}
