#!/usr/bin/env node
// The package bin: runs the TypeScript CLI through tsx, so no build step is needed.
import { createRequire } from 'node:module';

// The dependencies need the Node package.json's engines names (its first version is the oldest);
// on an older Node they fail deep inside a run, so say it here, in one line, before loading them.
const engines = createRequire(import.meta.url)('../package.json').engines.node;
const [need = 0, needMinor = 0] = (/\d+\.\d+/.exec(engines)?.[0] ?? '0.0').split('.').map(Number);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < need || (major === need && minor < needMinor)) {
  console.error(
    `netpol-conformance: Node ${process.versions.node} is too old; it needs Node ${engines} (the 22 or 24 LTS line). ` +
      'Install one, or run `bash .ci/setup`, which installs Node 24 under ~/.cache/netpol-conformance/node and says how to put it on PATH.',
  );
  process.exit(3);
}

const { register } = await import('tsx/esm/api');
register();
await import('../lib/cli/main.ts');
