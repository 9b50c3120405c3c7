// Reading one YAML document as plain data, with syntax errors as one-line InputErrors.
import { parseDocument } from 'yaml';
import { InputError, messageOf } from '../errors.ts';

/** YAML 1.2 core schema; duplicate keys, multiple documents and unresolved aliases are errors. */
export function parseYamlDocument(text: string, file: string): unknown {
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
