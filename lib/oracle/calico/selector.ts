// Calico's selector language (projectcalico.org/v3 `selector`, `namespaceSelector`,
// `serviceAccountSelector`, ...), ported from libcalico-go/lib/selector: tokenizer/tokenizer.go
// (what a token is), parser/parser.go (grammar: `||` binds loosest, then `&&`, then a possibly
// negated operation) and parser/ast.go (evaluation and the canonical text form).
// Errors say at which character (1-based) of the selector the problem is.
import type { Labels } from '../../model/types.ts';

export type SelectorNode =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'has'; key: string }
  | { op: '==' | '!=' | 'contains' | 'starts with' | 'ends with'; key: string; value: string }
  | { op: 'in' | 'not in'; key: string; values: string[] }
  | { op: 'not'; operand: SelectorNode }
  | { op: 'and' | 'or'; operands: SelectorNode[] };

export interface CalicoSelector {
  /** The text as written. */
  text: string;
  root: SelectorNode;
}

export class SelectorSyntaxError extends Error {
  override readonly name = 'SelectorSyntaxError';
  constructor(
    readonly problem: string,
    /** 0-based offset into the selector text where the problem is. */
    readonly offset: number,
    readonly text: string,
  ) {
    super(`${problem} at character ${offset + 1} of ${JSON.stringify(text)}${offset < text.length ? ` (at ${JSON.stringify(text.slice(offset, offset + 12))})` : ' (the end)'}`);
  }
}

/** tokenizer.MaxLabelLength */
const MAX_LABEL_LENGTH = 512;

type TokenKind =
  | 'label'
  | 'string'
  | '{'
  | '}'
  | ','
  | '=='
  | '!='
  | '!'
  | 'in'
  | 'not in'
  | 'contains'
  | 'starts with'
  | 'ends with'
  | 'all'
  | 'global'
  | 'has'
  | '('
  | ')'
  | '&&'
  | '||'
  | 'eof';

interface Token {
  kind: TokenKind;
  value: string;
  offset: number;
}

const isIdentifierChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_./-]/.test(c);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (problem: string, at = i): never => {
    throw new SelectorSyntaxError(problem, at, text);
  };
  const skipWhitespace = (): void => {
    // Calico skips spaces and tabs only.
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  const identifier = (): string => {
    const start = i;
    while (isIdentifierChar(text[i])) i++;
    if (i === start) fail('expected a label name');
    if (i - start > MAX_LABEL_LENGTH) fail(`label longer than ${MAX_LABEL_LENGTH} characters`, start);
    return text.slice(start, i);
  };
  /** A keyword (or two, with optional spaces between them) followed by a word boundary. */
  const keyword = (...words: string[]): boolean => {
    let j = i;
    for (const [n, word] of words.entries()) {
      if (!text.startsWith(word, j)) return false;
      j += word.length;
      if (n < words.length - 1) while (text[j] === ' ' || text[j] === '\t') j++;
    }
    if (isIdentifierChar(text[j])) return false;
    i = j;
    return true;
  };
  const push = (kind: TokenKind, offset: number, value = ''): void => void tokens.push({ kind, value, offset });
  for (;;) {
    skipWhitespace();
    const start = i;
    const c = text[i];
    if (c === undefined) {
      push('eof', start);
      return tokens;
    }
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      i++;
      push(c, start);
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end === -1) fail(`unterminated string (no closing ${c})`);
      push('string', start, text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '=') {
      if (text[i + 1] !== '=') fail("expected '==' (a single '=' is not an operator)");
      i += 2;
      push('==', start);
    } else if (c === '!') {
      if (text[i + 1] === '=') {
        i += 2;
        push('!=', start);
      } else {
        i++;
        push('!', start);
      }
    } else if (c === '&') {
      if (text[i + 1] !== '&') fail("expected '&&'");
      i += 2;
      push('&&', start);
    } else if (c === '|') {
      if (text[i + 1] !== '|') fail("expected '||'");
      i += 2;
      push('||', start);
    } else if (tokens.at(-1)?.kind === 'label') {
      // After a label only an operator may follow (== and != were handled above).
      if (keyword('contains')) push('contains', start);
      else if (keyword('starts', 'with')) push('starts with', start);
      else if (keyword('ends', 'with')) push('ends with', start);
      else if (keyword('not', 'in')) push('not in', start);
      else if (keyword('in')) push('in', start);
      else fail(`expected an operator (==, !=, in, not in, contains, starts with, ends with) after label ${JSON.stringify(tokens.at(-1)!.value)}`);
    } else if (text.startsWith('has(', i)) {
      i += 4;
      skipWhitespace();
      const key = identifier();
      skipWhitespace();
      if (text[i] !== ')') fail("expected ')' to close has(");
      i++;
      push('has', start, key);
    } else if (text.startsWith('all(', i) || text.startsWith('global(', i)) {
      const kind = text.startsWith('all(', i) ? 'all' : 'global';
      i += kind.length + 1;
      skipWhitespace();
      if (text[i] !== ')') fail(`expected ')' after ${kind}(`);
      i++;
      push(kind, start);
    } else if (isIdentifierChar(c)) {
      push('label', start, identifier());
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
}

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private fail(problem: string, token = this.peek()): never {
    throw new SelectorSyntaxError(problem, token.offset, this.text);
  }

  parseRoot(): SelectorNode {
    if (this.peek().kind === 'eof') return { op: 'all' };
    const root = this.parseOr();
    if (this.peek().kind !== 'eof') {
      this.fail(this.peek().kind === ')' ? "unmatched ')'" : "unexpected content; expected '&&', '||' or the end of the selector");
    }
    return root;
  }

  private parseOr(): SelectorNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === '||') {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { op: 'or', operands };
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseOperation()];
    while (this.peek().kind === '&&') {
      this.next();
      operands.push(this.parseOperation());
    }
    return operands.length === 1 ? operands[0]! : { op: 'and', operands };
  }

  private parseOperation(): SelectorNode {
    let negated = false;
    while (this.peek().kind === '!') {
      this.next();
      negated = !negated;
    }
    const node = this.parseOperand();
    return negated ? { op: 'not', operand: node } : node;
  }

  private parseOperand(): SelectorNode {
    const token = this.next();
    switch (token.kind) {
      case 'has':
        return { op: 'has', key: token.value };
      case 'all':
        return { op: 'all' };
      case 'global':
        return { op: 'global' };
      case '(': {
        const inner = this.parseOr();
        if (this.peek().kind !== ')') this.fail("expected ')' to close the '(' at character " + (token.offset + 1));
        this.next();
        return inner;
      }
      case 'label':
        return this.parseComparison(token.value);
      case 'eof':
        return this.fail('unexpected end of selector; expected a label, has(), all(), global(), ! or (', token);
      default:
        return this.fail(`unexpected ${describeToken(token)}; expected a label, has(), all(), global(), ! or (`, token);
    }
  }

  private parseComparison(key: string): SelectorNode {
    const operator = this.next();
    switch (operator.kind) {
      case '==':
      case '!=':
      case 'contains':
      case 'starts with':
      case 'ends with': {
        const value = this.peek();
        if (value.kind !== 'string') this.fail(`expected a quoted string ('...' or "...") after ${operator.kind}`);
        this.next();
        return { op: operator.kind, key, value: value.value };
      }
      case 'in':
      case 'not in':
        return { op: operator.kind, key, values: this.parseSet(operator.kind) };
      default:
        return this.fail(`expected an operator after label ${JSON.stringify(key)}`, operator);
    }
  }

  /** `{ 'a', "b" }`; a trailing comma and the empty set are accepted, as Calico accepts them. */
  private parseSet(operator: string): string[] {
    if (this.peek().kind !== '{') this.fail(`expected a set literal {'a', 'b'} after ${operator}`);
    this.next();
    const values: string[] = [];
    while (this.peek().kind === 'string') {
      values.push(this.next().value);
      if (this.peek().kind !== ',') break;
      this.next();
    }
    if (this.peek().kind !== '}') this.fail("expected a quoted string or '}' in the set");
    this.next();
    return [...new Set(values)].sort();
  }
}

function describeToken(token: Token): string {
  if (token.kind === 'string') return `string ${JSON.stringify(token.value)}`;
  if (token.kind === 'label') return `label ${JSON.stringify(token.value)}`;
  return `'${token.kind}'`;
}

/** Parses a selector; the empty (or blank) selector is all(). Throws SelectorSyntaxError. */
export function parseSelector(text: string): CalicoSelector {
  return { text, root: new Parser(tokenize(text), text).parseRoot() };
}

/**
 * parser/ast.go Evaluate. global() is true here: Calico rewrites it to
 * `!has(projectcalico.org/namespace)` where it means "not a workload" (namespaceSelector).
 */
export function selectorMatches(node: SelectorNode, labels: Labels): boolean {
  switch (node.op) {
    case 'all':
    case 'global':
      return true;
    case 'has':
      return Object.hasOwn(labels, node.key);
    case '==':
      return Object.hasOwn(labels, node.key) && labels[node.key] === node.value;
    case '!=':
      return !Object.hasOwn(labels, node.key) || labels[node.key] !== node.value;
    case 'contains':
      return Object.hasOwn(labels, node.key) && labels[node.key]!.includes(node.value);
    case 'starts with':
      return Object.hasOwn(labels, node.key) && labels[node.key]!.startsWith(node.value);
    case 'ends with':
      return Object.hasOwn(labels, node.key) && labels[node.key]!.endsWith(node.value);
    case 'in':
      return Object.hasOwn(labels, node.key) && node.values.includes(labels[node.key]!);
    case 'not in':
      return !Object.hasOwn(labels, node.key) || !node.values.includes(labels[node.key]!);
    case 'not':
      return !selectorMatches(node.operand, labels);
    case 'and':
      return node.operands.every((operand) => selectorMatches(operand, labels));
    case 'or':
      return node.operands.some((operand) => selectorMatches(operand, labels));
  }
}

/** The canonical text Calico prints for a selector (parser/ast.go collectFragments). */
export function selectorText(node: SelectorNode): string {
  const quote = (value: string): string => (value.includes('"') ? `'${value}'` : `"${value}"`);
  switch (node.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${node.key})`;
    case '==':
    case '!=':
    case 'contains':
    case 'starts with':
    case 'ends with':
      return `${node.key} ${node.op} ${quote(node.value)}`;
    case 'in':
    case 'not in':
      return `${node.key} ${node.op} {${node.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${selectorText(node.operand)}`;
    case 'and':
    case 'or':
      return `(${node.operands.map(selectorText).join(node.op === 'and' ? ' && ' : ' || ')})`;
  }
}

/** A copy with every node `f` returns a replacement for replaced (children first). */
export function mapSelector(node: SelectorNode, f: (node: SelectorNode) => SelectorNode | undefined): SelectorNode {
  let copy: SelectorNode;
  if (node.op === 'not') copy = { op: 'not', operand: mapSelector(node.operand, f) };
  else if (node.op === 'and' || node.op === 'or') copy = { op: node.op, operands: node.operands.map((o) => mapSelector(o, f)) };
  else copy = node;
  return f(copy) ?? copy;
}

/** parser.PrefixVisitor: every label name gets `prefix` (how namespace and service-account selectors are stored). */
export function prefixLabels(node: SelectorNode, prefix: string): SelectorNode {
  return mapSelector(node, (n) => ('key' in n ? { ...n, key: prefix + n.key } : undefined));
}
