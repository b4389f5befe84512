/**
 * Reading what other editors put in pasted HTML's attributes (pure string work, used by
 * paste-cleanup.ts): the formatting an inline style means, and Word's list paragraphs.
 */

/** The formatting an element's inline style gives its text. */
export interface StyleFormatting {
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
}

/** `font-weight: 700; font-style: italic` → bold and italic. Other declarations mean nothing here. */
export function formattingOfStyle(style: string): StyleFormatting {
  const declarations = new Map<string, string>();
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon === -1) continue;
    declarations.set(declaration.slice(0, colon).trim().toLowerCase(), declaration.slice(colon + 1).trim().toLowerCase());
  }
  const weight = (declarations.get('font-weight') ?? '').replace(/\s*!important$/, '');
  const fontStyle = declarations.get('font-style') ?? '';
  const decoration = `${declarations.get('text-decoration') ?? ''} ${declarations.get('text-decoration-line') ?? ''}`;
  return {
    bold: weight === 'bold' || weight === 'bolder' || (/^\d+$/.test(weight) && Number(weight) >= 600),
    italic: /^(italic|oblique)\b/.test(fontStyle),
    underline: /\bunderline\b/.test(decoration),
    strike: /\bline-through\b/.test(decoration),
  };
}

/** Whether an inline style sets a normal (not bold) weight, as Google Docs' wrapper `<b>` does. */
export function setsNormalWeight(style: string): boolean {
  return /(^|;)\s*font-weight\s*:\s*(normal|[1-4]00)\b/i.test(style);
}

/** A Word list paragraph: which of the document's lists (`l0`, `l1`…) and how deep (1 = top). */
export interface WordListParagraph {
  list: string;
  level: number;
}

/** Word's `mso-list: l0 level2 lfo1` → `{list: 'l0', level: 2}`; null when not a list paragraph. */
export function wordListOfStyle(style: string): WordListParagraph | null {
  const match = /mso-list\s*:\s*(l\d+)\s+level(\d+)/i.exec(style);
  if (!match) return null;
  return { list: match[1].toLowerCase(), level: Math.max(1, Math.min(9, Number(match[2]))) };
}

/**
 * Whether the marker Word writes before a list paragraph's text numbers it ("1.", "a)", "iv.",
 * "(3)") or bullets it ("·", "o", "§", "-").
 */
export function isNumberedMarker(marker: string): boolean {
  return /^\(?([0-9]+|[a-z]|[ivxlcdm]+)[.)]/i.test(marker.replace(/[\s\u00a0]+/g, ''));
}
