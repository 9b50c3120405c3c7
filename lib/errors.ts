// Tiny named error classes; the CLI's one top-level catch maps them to exit codes.

/** Where a validator found bad input: the file and the path in it (`pods[2].serve[0].port`). */
export interface InputLocation {
  file: string | undefined;
  path: string;
}

/** Bad input from the user: a malformed file, an unknown recipe, a bad flag. Exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly exitCode = 2;
  /** Set by the file validators, so a loader that still has the text can add the line. */
  readonly at: InputLocation | undefined;

  constructor(message: string, options?: ErrorOptions & { at?: InputLocation }) {
    super(message, options);
    this.at = options?.at;
  }
}

/** Something the machine lacks: a binary, root, Docker. Exit 3. */
export class PrerequisiteError extends Error {
  override readonly name = 'PrerequisiteError';
  readonly exitCode = 3;
}

/** Infrastructure failed while running (a process died, a cluster never became ready). Exit 4. */
export class InfrastructureError extends Error {
  override readonly name = 'InfrastructureError';
  readonly exitCode = 4;
}

/** The run was cancelled (Ctrl-C, SIGTERM or the deadline). Exit 130. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  readonly exitCode = 130;
}

export type HarnessError = InputError | PrerequisiteError | InfrastructureError | CancelledError;

export function isHarnessError(e: unknown): e is HarnessError {
  return (
    e instanceof InputError ||
    e instanceof PrerequisiteError ||
    e instanceof InfrastructureError ||
    e instanceof CancelledError
  );
}

/** The message of any thrown value, for logs and error chains. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * User input quoted in an error message, as JSON.stringify quotes it (control characters
 * escaped, so a binary file cannot garble a terminal), but cut to `max` characters of the input,
 * with its full length said when cut.
 */
export function excerpt(value: unknown, max = 100): string {
  if (typeof value !== 'string') {
    if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'a mapping';
    const text = JSON.stringify(value) ?? String(value);
    return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
  }
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
}

/** The longest error line the CLI prints; longer messages lose their middle. */
export const maxErrorLine = 600;

/** One line of at most maxErrorLine characters: a safety net for messages that quote input. */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = message.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '\uFFFD');
  if (flat.length <= maxErrorLine) return flat;
  const keep = (maxErrorLine - 3) / 2;
  return `${flat.slice(0, Math.ceil(keep))} … ${flat.slice(flat.length - Math.floor(keep))}`;
}
