// forEachJsonMember (src/parse/json-members.ts) against JSON.parse: whatever it reads, JSON.parse
// reads the same; whatever JSON.parse refuses, it gives up on.

import { describe, expect, it } from 'vitest';
import { forEachJsonMember } from '../src/parse/json-members.js';

// The object the members make, as JSON.parse makes it (a repeated name: the last value, the place
// of the first), or undefined when the scan gave up.
function members(text: string): { data: Record<string, unknown>; texts: string[] } | undefined {
  const data: Record<string, unknown> = {};
  const texts: string[] = [];
  const read = forEachJsonMember(text, (name, value, valueText) => {
    Object.defineProperty(data, name, { value, enumerable: true, writable: true, configurable: true });
    texts.push(valueText);
  });
  return read ? { data, texts } : undefined;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const data: unknown = JSON.parse(text);
    return data !== null && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function expectAsJsonParse(text: string): void {
  const expected = jsonObject(text);
  const got = members(text);
  if (expected === undefined) {
    expect(got, JSON.stringify(text)).toBeUndefined();
  } else {
    expect(got, JSON.stringify(text)).toBeDefined();
    expect(Object.keys(got?.data ?? {})).toEqual(Object.keys(expected));
    expect(got?.data).toEqual(expected);
  }
}

// A small deterministic generator (mulberry32), so a failure names a case that can be run again.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPACE = [' ', '\n', '\r', '\t', '', '', '', ''];
const STRINGS = ['""', '"a"', '"x,y}"', '"q\\"uote"', '"back\\\\"', '"\\u0041"', '"{[:,]}"', '"\\\\\\""'];

function value(next: () => number, depth: number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const space = () => pick(SPACE);
  const roll = next();
  if (depth > 3 || roll < 0.45) {
    return pick([...STRINGS, '0', '-1.5e3', '12345678901234567890', 'true', 'false', 'null']);
  }
  const count = Math.floor(next() * 4);
  const items = Array.from({ length: count }, () =>
    roll < 0.7
      ? `${space()}${pick(STRINGS)}${space()}:${space()}${value(next, depth + 1)}${space()}`
      : `${space()}${value(next, depth + 1)}${space()}`,
  );
  return roll < 0.7 ? `{${items.join(',')}${count ? '' : space()}}` : `[${items.join(',')}]`;
}

// A random change of one character: the kind of damage a cut or edited file has.
function damage(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const noise = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', 'x', '0', '\u00a0', '\u0001', ''];
  const insert = noise[Math.floor(next() * noise.length)] as string;
  return next() < 0.5
    ? text.slice(0, at) + insert + text.slice(at)
    : text.slice(0, at) + insert + text.slice(at + 1);
}

describe('forEachJsonMember', () => {
  it.each([
    ['an empty object', '{}'],
    ['an empty object with space', ' \n{ \t}\r\n'],
    ['members of every kind', '{"a": 1, "b": "x", "c": [1, {"d": null}], "e": {"f": [true]}, "g": false}'],
    ['a repeated name (the last value, the first place)', '{"a": 1, "b": 2, "a": 3}'],
    ['a name with escapes', '{"\\u0041\\n": 1, "a\\"b": 2}'],
    ['`__proto__` as a name', '{"__proto__": {"x": 1}}'],
    ['brackets and commas inside strings', '{"a": "}", "b": "]", "c": ",", "d": "\\"}"}'],
    ['a string ending in backslashes', '{"a": "x\\\\", "b": "\\\\\\\\"}'],
  ])('reads %s as JSON.parse does', (_name, text) => {
    expectAsJsonParse(text);
    expect(members(text)).toBeDefined();
  });

  it('hands over the text of each value as written', () => {
    expect(members('{"a": 1.50 , "b":[1e3]}')?.texts).toEqual([' 1.50 ', '[1e3]']);
  });

  it.each([
    ['an empty text', ''],
    ['an array', '[{"a": 1}]'],
    ['a string', '"{}"'],
    ['a trailing comma', '{"a": 1,}'],
    ['a missing value', '{"a": }'],
    ['a missing colon', '{"a" 1}'],
    ['an unclosed object', '{"a": 1'],
    ['an unclosed string', '{"a": "x}'],
    ['text after the object', '{"a": 1} x'],
    ['a second object', '{"a": 1}{}'],
    ['an unquoted name', '{a: 1}'],
    ['a raw control character in a name', '{"a\u0001": 1}'],
    ['a bad escape in a name', '{"\\x": 1}'],
    ['a bad value', '{"a": [1, 2}'],
    ['mismatched brackets that balance by count', '{"a": [1}, "b": 2]}'],
    ['a non-JSON space', '{\u00a0"a": 1}'],
    ['a byte-order mark (the caller removes it)', '\ufeff{"a": 1}'],
  ])('gives up on %s', (_name, text) => {
    expect(members(text)).toBeUndefined();
  });

  it('passes on what the visitor throws, and reads no further', () => {
    const seen: string[] = [];
    const stop = new Error('stop');
    expect(() =>
      forEachJsonMember('{"a": 1, "b": 2, "c": oops', (name) => {
        seen.push(name);
        if (name === 'b') throw stop;
      }),
    ).toThrow(stop);
    expect(seen).toEqual(['a', 'b']);
  });

  it('agrees with JSON.parse on 20,000 generated texts, valid and damaged', () => {
    const next = random(20261202);
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const count = Math.floor(next() * 5);
      const body = Array.from(
        { length: count },
        () => `${SPACE[i % SPACE.length]}${STRINGS[i % STRINGS.length]}:${value(next, 0)}`,
      ).join(',');
      let text = `${SPACE[(i >> 3) % SPACE.length]}{${body}}${SPACE[(i >> 5) % SPACE.length]}`;
      if (i % 2 === 1) text = damage(text, next);
      if (jsonObject(text) !== undefined) valid++;
      expectAsJsonParse(text);
    }
    // Both kinds were tried, in numbers.
    expect(valid).toBeGreaterThan(10_000);
    expect(valid).toBeLessThan(19_000);
  });
});
