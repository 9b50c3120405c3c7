// Tiny named error classes; the CLI's one top-level catch maps them to exit codes.

/** Bad input from the user: a malformed file, an unknown recipe, a bad flag. Exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly exitCode = 2;
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
