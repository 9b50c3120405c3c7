// Reading a file the user hands the harness (scenario, recipe, Calico resources, report.json):
// a regular file, within a documented size, UTF-8 text. Everything else is refused up front with
// one line, before a parser can run out of memory or quote a binary file back.
import { readFileSync, statSync } from 'node:fs';
import { InputError } from './errors.ts';

const MiB = 1024 * 1024;

/** The size limits docs/scenario.md and docs/recipes.md document. */
export const inputLimits = {
  scenario: 8 * MiB,
  recipe: 1 * MiB,
  calicoResources: 1 * MiB,
  report: 64 * MiB,
} as const;

export type InputKind = keyof typeof inputLimits;

function sizeText(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/** `label` names the file in messages, e.g. "recipes/01-deny-all.yaml" or "--calico-resources x.yaml". */
export function readInputFile(path: string, kind: InputKind, label: string = path): string {
  const limit = inputLimits[kind];
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      throw new InputError(`${label}: not a regular file (${stat.isDirectory() ? 'a directory' : 'a pipe, socket or device'}); give the path of a file`);
    }
    size = stat.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${label}: cannot read the ${kindName[kind]} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  if (size > limit) throw new InputError(`${label}: ${sizeText(size)} is over the ${sizeText(limit)} limit for a ${kindName[kind]}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${label}: cannot read the ${kindName[kind]} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  // A file that grew since the stat is held to the same limit.
  if (bytes.length > limit) throw new InputError(`${label}: ${sizeText(bytes.length)} is over the ${sizeText(limit)} limit for a ${kindName[kind]}`);
  if (bytes.includes(0)) throw new InputError(`${label}: not a text file (it holds NUL bytes); give a ${kindName[kind]}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new InputError(`${label}: not UTF-8 text; give a ${kindName[kind]}`, { cause: e });
  }
}

const kindName: Record<InputKind, string> = {
  scenario: 'scenario file',
  recipe: 'recipe file',
  calicoResources: 'Calico resources file',
  report: 'report.json',
};
