#!/usr/bin/env node
// The package bin: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
