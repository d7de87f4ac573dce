// Text that other users control (process names, mount paths) made inert before it reaches a
// terminal: a process can name itself "\x1b]0;...", or put a newline in a path to forge lines.

// What shows nothing, or changes how the text around it shows, and so lets one name pass for
// another: Unicode's default-ignorable characters (zero-width spaces and joiners, the soft
// hyphen, the bidirectional controls that reorder a line, fillers, variation selectors, tags,
// invisible vowels), the other format characters, the line and paragraph separators, lone
// surrogates, and the blank braille pattern. Emoji joined by U+200D and text that needs U+200C
// show their joiners as escapes too: a name is read exactly, not pretty.
const INVISIBLE = String.raw`\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u2800`;
// With the C0 controls, DEL and the C1 controls, which a terminal acts on.
const CONTROLS = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE}]`, 'gu');
// JSON.stringify escapes C0 itself; the JSON text's own newlines are C0 too, and stay.
const RAW_IN_JSON = new RegExp(`[\\u007f-\\u009f${INVISIBLE}]`, 'gu');

/** \x1b below U+0100, else \u202e, else \u{e0041}. */
const visible = (c: string): string => {
  const code = c.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
};

/** The text with every control and invisible character shown as an escape (\x1b, \u202e, \u{e0041}). */
export function inert(text: string): string {
  return text.replace(CONTROLS, visible);
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1 and the invisible ones above)
 * escaped as \uXXXX too, so `jq -r` cannot be turned against a terminal either. Only strings can
 * hold them, and there \uXXXX means the same character.
 */
export function jsonInert(json: string): string {
  // A character beyond U+FFFF as JSON writes one: its two UTF-16 halves.
  return json.replace(RAW_IN_JSON, (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}
