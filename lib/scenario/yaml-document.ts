// Reading one YAML document as plain data, with syntax errors as one-line InputErrors.
import { isNode, Lexer, LineCounter, parseDocument } from 'yaml';
import { InputError, messageOf } from '../errors.ts';

/**
 * The most values and indicators a document may have. Building a YAML document costs about a
 * kilobyte per value, so a small file of tiny values (`[a,a,a,...]`) would take gigabytes; the
 * lexer counts them first in a fraction of that (docs/scenario.md, "Limits").
 */
export const maxYamlTokens = 1_000_000;

/** YAML 1.2 core schema; duplicate keys, multiple documents and unresolved aliases are errors. */
export function parseYamlDocument(text: string, file: string): unknown {
  let tokens = 0;
  for (const token of new Lexer().lex(text)) {
    if (token !== '' && !/^[\s,]/.test(token) && ++tokens > maxYamlTokens) {
      throw new InputError(`${file}: more than ${maxYamlTokens.toLocaleString('en-US')} YAML values; split the file or leave out what it does not need`);
    }
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? `line ${position.line}, column ${position.col}: ` : '';
    // prettyErrors adds " at line L, column C:" and a code excerpt; keep one line.
    const message =
      error.code === 'MULTIPLE_DOCS'
        ? 'contains more than one YAML document'
        : error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new InputError(`${file}: ${where}${message}`);
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(`${file}: ${messageOf(e).split('\n')[0]}`, { cause: e });
  }
}

/**
 * The line (from 1) of the value at `path` (`pods[2].serve[0].port`, `metadata["a/b"]`) in a
 * YAML text, or of its nearest ancestor that exists (a missing field points at its parent).
 * For error messages only: the text is parsed again.
 */
export function yamlLineOf(text: string, path: string): number | undefined {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]!) as string);
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  for (let n = segments.length; n >= 0; n--) {
    const node: unknown = document.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
