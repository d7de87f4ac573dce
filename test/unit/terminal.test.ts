// How the views adapt to where they are written: colour, character set, and column widths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth } from '../../src/render/columns.js';
import { colourWanted, utf8Locale } from '../../src/terminal.js';

describe('colour under --color auto', () => {
  // The test's standard output is not a terminal: only FORCE_COLOR can turn colour on here.
  it('follows FORCE_COLOR as Node reads it, before NO_COLOR', () => {
    for (const value of ['', '1', '2', '3', 'true']) assert.equal(colourWanted({ FORCE_COLOR: value }), true, `FORCE_COLOR=${value}`);
    for (const value of ['0', 'false', 'yes']) assert.equal(colourWanted({ FORCE_COLOR: value }), false, `FORCE_COLOR=${value}`);
    assert.equal(colourWanted({ FORCE_COLOR: '1', NO_COLOR: '1' }), true);
  });

  it('has none without a terminal, whatever NO_COLOR and TERM say', () => {
    assert.equal(colourWanted({}), false);
    assert.equal(colourWanted({ NO_COLOR: '' }), false);
    assert.equal(colourWanted({ TERM: 'xterm-256color' }), false);
  });
});

describe('the character set of the locale', () => {
  it('is UTF-8 only where the first of LC_ALL, LC_CTYPE and LANG that is set says so', () => {
    assert.equal(utf8Locale({ LANG: 'C.UTF-8' }), true);
    assert.equal(utf8Locale({ LANG: 'de_DE.utf8' }), true);
    assert.equal(utf8Locale({ LANG: 'sr_RS.UTF-8@latin' }), true);
    assert.equal(utf8Locale({ LANG: 'en_US.UTF-8', LC_ALL: 'POSIX' }), false);
    assert.equal(utf8Locale({ LANG: 'C', LC_CTYPE: 'en_US.UTF-8' }), true);
    assert.equal(utf8Locale({ LANG: 'C.UTF-8', LC_ALL: '' }), true);
    assert.equal(utf8Locale({ LANG: 'C' }), false);
    assert.equal(utf8Locale({ LANG: 'en_US.ISO-8859-1' }), false);
    assert.equal(utf8Locale({}), false);
  });
});

describe('display columns', () => {
  it('counts East Asian wide characters twice and combining marks not at all', () => {
    assert.equal(displayWidth('sleep'), 5);
    assert.equal(displayWidth('进程'), 4);
    assert.equal(displayWidth('ｅｖｉｌ'), 8);
    assert.equal(displayWidth('한국어'), 6);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('ü'), 1);
    assert.equal(displayWidth('🐳'), 2);
  });
});
