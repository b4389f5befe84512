import { describe, expect, it } from 'vitest';
import { formattingOfStyle, isNumberedMarker, setsNormalWeight, wordListOfStyle } from './paste-markup';

describe('formattingOfStyle', () => {
  it('reads Google Docs’ bold and italic spans', () => {
    const style = 'font-size:11pt;font-family:Arial,sans-serif;color:#000000;font-weight:700;font-style:italic;vertical-align:baseline;';
    expect(formattingOfStyle(style)).toEqual({ bold: true, italic: true, underline: false, strike: false });
  });

  it('takes weights of 600 and more, bold and bolder as bold, and nothing less', () => {
    expect(formattingOfStyle('font-weight: 600').bold).toBe(true);
    expect(formattingOfStyle('font-weight: bold !important').bold).toBe(true);
    expect(formattingOfStyle('font-weight: bolder').bold).toBe(true);
    expect(formattingOfStyle('font-weight: 400').bold).toBe(false);
    expect(formattingOfStyle('font-weight:normal').bold).toBe(false);
  });

  it('does not mistake Word’s mso- declarations for formatting', () => {
    expect(formattingOfStyle("mso-bidi-font-weight:bold;mso-bidi-font-style:italic;font-family:'Calibri'")).toEqual({
      bold: false,
      italic: false,
      underline: false,
      strike: false,
    });
  });

  it('reads underline and line-through from either text-decoration property', () => {
    expect(formattingOfStyle('text-decoration:underline;-webkit-text-decoration-skip:none')).toMatchObject({ underline: true, strike: false });
    expect(formattingOfStyle('text-decoration-line: line-through')).toMatchObject({ underline: false, strike: true });
    expect(formattingOfStyle('text-decoration: none')).toMatchObject({ underline: false, strike: false });
  });
});

describe('setsNormalWeight', () => {
  it('spots Google Docs’ wrapper', () => {
    expect(setsNormalWeight('font-weight:normal;')).toBe(true);
    expect(setsNormalWeight('color:red; font-weight: 400')).toBe(true);
    expect(setsNormalWeight('font-weight:700')).toBe(false);
    expect(setsNormalWeight('mso-bidi-font-weight:normal')).toBe(false);
  });
});

describe('wordListOfStyle', () => {
  it('reads the list and level of Word’s list paragraphs', () => {
    expect(wordListOfStyle('margin-left:36.0pt;mso-add-space:auto;text-indent:-18.0pt;mso-list:l0 level1 lfo1')).toEqual({ list: 'l0', level: 1 });
    expect(wordListOfStyle("text-indent:-18.0pt;mso-list:l3 level2 lfo4")).toEqual({ list: 'l3', level: 2 });
  });

  it('is null for other paragraphs and for Word’s hidden markers', () => {
    expect(wordListOfStyle('margin-bottom:0cm;line-height:normal')).toBeNull();
    expect(wordListOfStyle('mso-list:Ignore')).toBeNull();
    expect(wordListOfStyle('mso-list:none')).toBeNull();
  });
});

describe('isNumberedMarker', () => {
  it('tells numbers from bullets', () => {
    for (const marker of ['1.', '12.', 'a)', 'iv.', '(3)', 'B.\u00a0\u00a0']) expect(isNumberedMarker(marker), marker).toBe(true);
    for (const marker of ['·', 'o', '§', '-', '•\u00a0\u00a0\u00a0', '']) expect(isNumberedMarker(marker), marker).toBe(false);
  });
});
