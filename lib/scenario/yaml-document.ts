// Reading one YAML document as plain data, with syntax errors as one-line InputErrors.
import { parseDocument } from 'yaml';
import { InputError } from '../errors.ts';

/** YAML 1.2 core schema; duplicate keys and multiple documents are errors. */
export function parseYamlDocument(text: string, file: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    const where = position ? `line ${position.line}, column ${position.col}: ` : '';
    throw new InputError(`${file}: ${where}${error.message.split('\n')[0]}`);
  }
  return document.toJS({ maxAliasCount: 100 });
}
