// Cases transcribed from Calico's own selector tests: libcalico-go/lib/selector/parser/parser_test.go
// at v3.32.1 (selectorTests, badSelectors, canonicalisationTests and the PrefixVisitor table).
import { expect } from 'chai';
import type { Labels } from '../../model/types.ts';
import { parseSelector, prefixLabels, selectorMatches, selectorText, SelectorSyntaxError } from './selector.ts';

/** [selector, labels it matches, labels it does not match] (parser_test.go selectorTests). */
const selectorTests: [string, Labels[], Labels[]][] = [
  [`a == "b"`, [{ a: 'b' }, { a: 'b', c: 'd' }], [{}, { a: 'c' }, { c: 'd' }]],
  [`a == "b" && c == "d"`, [{ a: 'b', c: 'd' }], [{}, { a: 'b', c: 'e' }, { a: 'c', c: 'd' }, { c: 'd' }, { a: 'b' }]],
  [`a == "b" || c == "d"`, [{ a: 'b', c: 'd' }, { a: 'b' }, { c: 'd' }], [{}, { a: 'e', c: 'e' }, { c: 'e' }, { a: 'e' }]],
  [`a in {"'", '"', "c"}`, [{ a: 'c' }, { a: '"' }, { a: "'" }], [{}, { a: 'e' }]],
  [`a not in {"'", '"', "c"}`, [{}, { a: 'e' }], [{ a: 'c' }, { a: '"' }, { a: "'" }]],
  [`a == 'a'`, [{ a: 'a' }], []],
  [`a == "a"`, [{ a: 'a' }], []],
  [`a != "b"`, [{ a: 'a' }], []],
  [`a != "a"`, [{}], []],
  [`a contains "a"`, [{ a: 'a' }, { a: 'bab' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { b: 'aaa' }]],
  [`a starts with "a"`, [{ a: 'a' }, { a: 'abb' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { a: 'baa' }, { b: 'aaa' }]],
  [`a ends with "a"`, [{ a: 'a' }, { a: 'bba' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { a: 'aab' }, { b: 'aaa' }]],
  [`a in {"a"}`, [{ a: 'a' }], []],
  [`!a in {"a"}`, [{ a: 'b' }], []],
  [`a in {"a", "b"}`, [{ a: 'a' }], []],
  [`a in {"a", "b"}`, [{ a: 'b' }], []],
  [`a not in {"d", "e"}`, [{ a: 'a' }], []],
  [`has(a)`, [{ a: 'b' }], []],
  [`!has(a)`, [{ b: 'b' }], []],
  [``, [{}], []],
  [` `, [{}], []],
  [``, [{ a: 'b' }], []],
  [`all()`, [{}], []],
  [` all()`, [{}], []],
  [` all()`, [{ a: 'b' }], []],
  [`global()`, [{}], []],
  [` global()`, [{}], []],
  [` global()`, [{ a: 'b' }], []],
  [`a == 'a'`, [], [{ a: 'b' }]],
  [`a == 'a'`, [], [{}]],
  [`a != "a"`, [], [{ a: 'a' }]],
  [`a != 'a'`, [], [{ a: 'a' }]],
  [`a in {"a"}`, [], [{ a: 'b' }]],
  [`a not in {"a"}`, [], [{ a: 'a' }]],
  [`a in {"a", "b"}`, [], [{ a: 'c' }]],
  [`has(b)`, [], [{ a: 'b' }]],
  [`!!has(b)`, [], [{ a: 'b' }]],
  [`! has(a)`, [], [{ a: 'b' }]],
  [`!has(a)`, [], [{ a: 'b' }]],
  [`!!! has(a)`, [], [{ a: 'b' }]],
  [`!!!has(a)`, [], [{ a: 'b' }]],
  [`!! ! has(a)`, [], [{ a: 'b' }]],
  [`! !!has(a)`, [], [{ a: 'b' }]],
  [`a == 'a1' && b == 'b1'`, [{ a: 'a1', b: 'b1' }], []],
  [`a == 'a1' && b != 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`a != 'a1' && b == 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`a != 'a1' && b != 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`a != 'a1' && !b == 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`!a == 'a1' && b == 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`has(a) && !has(b)`, [{ a: 'a' }], []],
  [`!has(b) && has(a)`, [{ a: 'a' }], []],
  [`!(!has(a) || has(b))`, [{ a: 'a' }], []],
  [`!(has(b) || !has(a))`, [{ a: 'a' }], []],
  [`a == 'a1' || b == 'b1'`, [{ a: 'a1', b: 'b1' }], []],
  [`a == 'a1' || b != 'b1'`, [{ a: 'a1', b: 'b1' }], []],
  [`a != 'a1' || b == 'b1'`, [{ a: 'a1', b: 'b1' }], []],
  [`a != 'a1' || b != 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`! a == 'a1' || ! b == 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
];

/** parser_test.go badSelectors */
const badSelectors = [
  'b == b',
  'b contains b',
  'b starts with b',
  'b ends with b',
  "'b1' == b",
  'b',
  'a b',
  '!',
  'foo == "bar" &',
  'foo == "bar" |',
  'foo != ||',
  'foo in {"", ||',
  'foo in ""',
  '"FOO',
  `"FOO'`,
  "'FOO",
  '(',
  '(a == "foo"',
  ')',
  '()',
  '%',
  'a == "b" && %',
  'a == "b" || %',
  'a ',
  'has(foo) &&',
];

/** parser_test.go canonicalisationTests (input, canonical text). */
const canonical: [string, string][] = [
  ['', 'all()'],
  [' all() ', 'all()'],
  [' (all() )', 'all()'],
  ['! (has( b)||! has(a ))', '!(has(b) || !has(a))'],
  ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")'],
  [`a == "'"`, `a == "'"`],
  [`a == '"'`, `a == '"'`],
  [`a contains '"'`, `a contains '"'`],
  [`a contains "'"`, `a contains "'"`],
  [`a startswith '"'`, `a starts with '"'`],
  [`a endswith "'"`, `a ends with "'"`],
  [`a!='"'`, `a != '"'`],
  ['a in {"d"}', 'a in {"d"}'],
  ['a in {"a", "b"}', 'a in {"a", "b"}'],
  ['a in {"d", "a", "b"}', 'a in {"a", "b", "d"}'],
  ['a in {"z", "x", "y", "a"}', 'a in {"a", "x", "y", "z"}'],
  ['a in {"z", "z", "x", "y", "x", "a"}', 'a in {"a", "x", "y", "z"}'],
];

describe('Calico selectors (libcalico-go parser_test.go)', () => {
  for (const [text, matches, nonMatches] of selectorTests) {
    it(`${JSON.stringify(text)} matches ${JSON.stringify(matches)} and not ${JSON.stringify(nonMatches)}`, () => {
      const selector = parseSelector(text);
      const reparsed = parseSelector(selectorText(selector.root));
      for (const labels of matches) {
        expect(selectorMatches(selector.root, labels), JSON.stringify(labels)).to.equal(true);
        expect(selectorMatches(reparsed.root, labels), `canonical form, ${JSON.stringify(labels)}`).to.equal(true);
      }
      for (const labels of nonMatches) {
        expect(selectorMatches(selector.root, labels), JSON.stringify(labels)).to.equal(false);
        expect(selectorMatches(reparsed.root, labels), `canonical form, ${JSON.stringify(labels)}`).to.equal(false);
      }
    });
  }

  it('rejects every bad selector of badSelectors', () => {
    for (const text of badSelectors) {
      expect(() => parseSelector(text), text).to.throw(SelectorSyntaxError);
    }
  });

  for (const [input, expected] of canonical) {
    it(`canonicalises ${JSON.stringify(input)} as ${JSON.stringify(expected)} and round-trips`, () => {
      const text = selectorText(parseSelector(input).root);
      expect(text).to.equal(expected);
      expect(selectorText(parseSelector(text).root)).to.equal(text);
    });
  }

  it('prefixes label names as PrefixVisitor does (parser_test.go "Visitor tests")', () => {
    const visited = (text: string) => selectorText(prefixLabels(parseSelector(text).root, 'visited/'));
    expect(visited("k == 'v'")).to.equal('visited/k == "v"');
    expect(visited("k == 'v' && x == 'y'")).to.equal('(visited/k == "v" && visited/x == "y")');
    expect(visited("k == 'v' || has(x)")).to.equal('(visited/k == "v" || has(visited/x))');
    expect(visited("!(k == 'v')")).to.equal('!visited/k == "v"');
    expect(visited("k not in {'v'}")).to.equal('visited/k not in {"v"}');
    expect(visited("!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))")).to.equal(
      '!(!((visited/k == "v" && has(visited/t)) || all()) && visited/a in {"b", "c"})',
    );
  });
});

describe('Calico selector errors point at the character', () => {
  const problem = (text: string): { offset: number; message: string } => {
    try {
      parseSelector(text);
    } catch (e) {
      if (e instanceof SelectorSyntaxError) return { offset: e.offset, message: e.message };
      throw e;
    }
    throw new Error(`${text} parsed`);
  };

  it('names the character of a missing quote after ==', () => {
    const { offset, message } = problem('app == web');
    expect(offset).to.equal(7);
    expect(message).to.equal(`expected a quoted string ('...' or "...") after == at character 8 of "app == web" (at "web")`);
  });

  it('names a single = and where it is', () => {
    expect(problem("role = 'db'").offset).to.equal(5);
    expect(problem("role = 'db'").message).to.match(/expected '=='/);
  });

  it('names an unterminated string at its opening quote', () => {
    // 'b && c == ' is a string; the quote after d opens one that never closes.
    expect(problem("a == 'b && c == 'd")).to.include({ offset: 17 });
    expect(problem("a == 'b")).to.include({ offset: 5 });
  });

  it('names a missing operator after a label', () => {
    const { offset, message } = problem('app web');
    expect(offset).to.equal(4);
    expect(message).to.match(/expected an operator .* after label "app"/);
  });

  it('names an unclosed parenthesis at the end', () => {
    const { offset, message } = problem('(a == "foo"');
    expect(offset).to.equal(11);
    expect(message).to.match(/expected '\)' to close the '\(' at character 1 .*\(the end\)/);
  });

  it('names trailing content', () => {
    expect(problem("a == 'b' c == 'd'")).to.include({ offset: 9 });
    expect(problem(')').message).to.match(/^unexpected '\)'/);
    expect(problem("(a == 'b'))").message).to.match(/^unmatched '\)'/);
  });

  it('names a set literal that is not closed', () => {
    expect(problem("a in {'x' 'y'}")).to.include({ offset: 10 });
  });
});
