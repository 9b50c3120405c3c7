import { expect } from 'chai';
import { nodeCommand, stoppable } from './cluster.ts';

describe('kind exec helpers', () => {
  it('runs ipset in the node\'s calico-node container through crictl, and everything else as is', () => {
    const argv = nodeCommand(['ipset', 'save']);
    expect(argv.slice(0, 2)).to.deep.equal(['sh', '-c']);
    expect(argv[2]).to.match(/crictl ps --quiet --state running --name "\^calico-node\$"/);
    expect(argv[2]).to.match(/exec crictl exec "\$id" "\$@"/);
    expect(argv.slice(3)).to.deep.equal(['sh', 'ipset', 'save']);
    expect(nodeCommand(['iptables-save', '-c'])).to.deep.equal(['iptables-save', '-c']);
  });

  it('returns from a stopped command only once its kill is done', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const run = (wrapped: string[]) =>
      new Promise<never>((_, reject) => {
        expect(wrapped.slice(0, 2)).to.deep.equal(['sh', '-c']);
        controller.signal.addEventListener('abort', () => {
          events.push('run aborted');
          reject(new Error('aborted'));
        });
      });
    const kill = async (argv: string[]) => {
      expect(argv.join(' ')).to.match(/kill -9 "\$\(cat \/tmp\/netpol-exec-[0-9a-f]+\)"/);
      await new Promise((r) => setTimeout(r, 50));
      events.push('killed');
    };
    const result = stoppable(['nc', '-z', '10.0.0.1', '80'], { timeoutMs: 1000, signal: controller.signal }, run, kill).catch(() => events.push('returned'));
    controller.abort();
    await result;
    expect(events).to.deep.equal(['run aborted', 'killed', 'returned']);
  });
});
