// Text that other users control, made inert: controls a terminal acts on, and characters that
// show nothing or change how their neighbours show, so that one name cannot pass for another.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inert, jsonInert } from '../../src/render/inert.js';

// Each hidden in "ss_hd" by a user, as the attacker tried: soft hyphen, combining grapheme
// joiner, Mongolian vowel separator, zero-width space, word joiner, BOM, national digit shapes,
// interlinear annotation anchor, a tag character, Hangul filler, a variation selector.
const HIDDEN = ['\u00ad', '\u034f', '\u180e', '\u200b', '\u2060', '\ufeff', '\u206e', '\ufff9', '\u{e0041}', '\u3164', '\ufe0f', '\u17b4', '\u2065', '\ufff0', '\u{e0002}', '\u{e01f0}', '\u2800'];

describe('inert text', () => {
  it('shows every control a terminal acts on as an escape', () => {
    assert.equal(inert('a\x1b[7mb\x07c\nd\x7fe\u009bf\u202eg\u2028h'), 'a\\x1b[7mb\\x07c\\x0ad\\x7fe\\x9bf\\u202eg\\u2028h');
  });

  it('shows every character that shows nothing, or changes its neighbours, as an escape', () => {
    assert.deepEqual(
      HIDDEN.map((c) => inert(`ss${c}hd`)),
      HIDDEN.map((c) => {
        const code = c.codePointAt(0)!;
        return `ss${code < 0x100 ? `\\x${code.toString(16)}` : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`}hd`;
      }),
    );
  });

  it('leaves letters, marks and wide characters of every script as they are', () => {
    for (const text of ['nginx-worker', 'café', 'наш-сервер', '東京サーバ', 'e\u0301', 'שרת', '🐳 docker']) assert.equal(inert(text), text);
  });

  it('JSON escapes the same characters as \\uXXXX, astral ones as their two halves, and means the same text', () => {
    const json = JSON.stringify({ name: `ss${HIDDEN.join('')}hd\u202e`, path: 'a\nb' }, null, 2);
    const safe = jsonInert(json);
    assert.doesNotMatch(safe, /[\u00ad\u034f\u180e\u200b\u2060\ufeff\u206e\ufff9\u3164\ufe0f\u202e\u17b4\u2065\ufff0\u2800]|[\u{e0000}-\u{e0fff}]/u);
    assert.match(safe, /\\udb40\\udc41/);
    assert.deepEqual(JSON.parse(safe), JSON.parse(json));
    // The document's own newlines stay.
    assert.equal(safe.split('\n').length, json.split('\n').length);
  });
});
