import { expect } from 'chai';
import { renderMarkdown } from './markdown.ts';
import { passingRecipe, sampleReport } from './sample-report.ts';

describe('renderMarkdown', () => {
  it('gives the counts, a row per recipe and the failing probes', () => {
    const md = renderMarkdown(sampleReport());
    const lines = md.split('\n');
    expect(lines[0]).to.equal('## ❌ NetworkPolicy conformance: 9 probes, 7 passed, 2 failed');
    expect(md).to.contain('Calico v3.31.7 (iptables, felix v3.31.7) on netns, Kubernetes v1.34.1, 3m12s');
    expect(md).to.contain('| ❌ 01 | [Allow ingress to b only from a &lt;&amp;&gt;](https://github.com/ahmetb/kubernetes-network-policy-recipes/blob/master/02-limit-traffic-to-an-application.md) | 6 | 2 | 400 ms |');
    expect(md).to.contain('| ✅ 02 | [Deny all ingress to b](https://example.test/recipes/02) | 1 | 0 | 300 ms |');
    const failing = lines.filter((l) => l.startsWith('- **01**'));
    expect(failing).to.have.length(2);
    expect(failing[0]).to.equal(
      '- **01** `x/c -> x/b tcp/80` (after policies, try 1): expected **blocked**, observed **allowed** (connected); decided by profile-allow in `cali-pri-kns.x`. Reproduce: `ip netns exec x-c nc -z -w 1 192.168.1.2 80`',
    );
  });

  it('says so plainly when everything passed, and lists no failing probes', () => {
    const md = renderMarkdown(sampleReport([passingRecipe()]));
    expect(md.split('\n')[0]).to.equal('## ✅ NetworkPolicy conformance: 1 probes, 1 passed, 0 failed');
    expect(md).to.not.contain('Failing probes');
  });

  it('renders a source that is not a web address as text, not as a link', () => {
    const report = sampleReport([passingRecipe()]);
    report.recipes[0]!.source = 'examples/catalog-bookshop (a made-up application)';
    const md = renderMarkdown(report);
    expect(md).to.contain('| ✅ 02 | Deny all ingress to b (examples/catalog-bookshop (a made-up application)) | 1 | 0 | 300 ms |');
    report.recipes[0]!.source = 'javascript:alert(1)';
    expect(renderMarkdown(report)).to.not.match(/\]\(javascript:/);
  });
});
