// `clean` touches only what carries the harness's marker: a network namespace named like a run's
// is left alone until the run's state directory (made before a run's first namespace) says it
// is the harness's. Real namespaces, scoped to a prefix of this test's own.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { cleanNetns } from '../lib/cluster/netns/index.ts';
import { stateRoot } from '../lib/cluster/netns/state.ts';
import { netnsOf } from './support/run-resources.ts';

describe('clean touches only resources carrying the harness marker', function () {
  this.timeout(60_000);
  const prefix = `nc${randomBytes(3).toString('hex')}`;
  const namespace = `${prefix}-node-0`;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    await execa('ip', ['netns', 'add', namespace]);
  });
  after(async () => {
    await execa('ip', ['netns', 'delete', namespace], { reject: false });
    await rm(join(stateRoot(), prefix), { recursive: true, force: true });
  });

  it('leaves a namespace that only looks like a run\'s, and removes it once its run is marked', async () => {
    const unmarked = await cleanNetns({ only: prefix, force: true, log: () => {} });
    expect(unmarked.namespaces).to.deep.equal([]);
    expect(await netnsOf(prefix)).to.deep.equal([namespace]);

    await mkdir(join(stateRoot(), prefix), { recursive: true });
    const marked = await cleanNetns({ only: prefix, force: true, log: () => {} });
    expect(marked.namespaces).to.deep.equal([namespace]);
    expect(await netnsOf(prefix)).to.deep.equal([]);
    expect(marked.stateDirs).to.deep.equal([join(stateRoot(), prefix)]);
  });
});
