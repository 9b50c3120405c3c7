// Reading a report.json a user hands `compare` or `bench --report`: a regular file within the
// documented size, JSON, schema version 1. Every failure is one InputError naming the file.
import { InputError, messageOf } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import type { Report } from './schema.ts';
import { validateReport } from './validate.ts';

export function readReportFile(file: string): Report {
  const text = readInputFile(file, 'report');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file} is not JSON: ${messageOf(e)}`, { cause: e });
  }
  return validateReport(json, file);
}
