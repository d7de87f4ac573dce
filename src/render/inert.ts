// Text that other users control (process names, mount paths) made inert before it reaches a
// terminal: a process can name itself "\x1b]0;...", or put a newline in a path to forge lines.

// C0 controls, DEL, C1 controls, the line and paragraph separators, and the bidirectional
// controls that reorder what a terminal shows (ALM, LRM, RLM, LRE..RLO, LRI..PDI).
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const visible = (c: string): string => {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** The text with every control character shown as an escape (\x1b, \u202e). */
export function inert(text: string): string {
  return text.replace(CONTROLS, visible);
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1, the separators and the bidi
 * controls) escaped as \uXXXX too, so `jq -r` cannot be turned against a terminal either. Only
 * strings can hold them, and there \uXXXX means the same character.
 */
export function jsonInert(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
