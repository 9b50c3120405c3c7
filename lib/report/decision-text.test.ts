import { expect } from 'chai';
import { renderMarkdown } from './markdown.ts';
import { decisionSource } from './decision-text.ts';
import { sampleReport, sampleRecipe } from './sample-report.ts';

describe('decisionSource', () => {
  it('names the policy with its Calico tier, the tier of an end-of-tier drop, or nothing', () => {
    expect(decisionSource({ chain: 'cali-pi-_x', rule: '-j DROP', kind: 'policy-deny', policy: 'gnp:security.deny-untrusted', tier: 'security' })).to.equal(
      ' by policy gnp:security.deny-untrusted (tier security)',
    );
    expect(decisionSource({ chain: 'cali-pi-_y', rule: '-j MARK', kind: 'policy-allow', policy: 'x/allow-a' })).to.equal(' by policy x/allow-a');
    expect(decisionSource({ chain: 'cali-tw-cali1', rule: '-j DROP', kind: 'end-of-tier-drop', tier: 'default' })).to.equal(' at the end of tier default');
    expect(decisionSource({ chain: 'cali-pri-kns.x', rule: '-j ACCEPT', kind: 'profile-allow' })).to.equal('');
  });

  it('shows in the Markdown summary of a failing probe', () => {
    const recipe = sampleRecipe();
    const failing = recipe.probes.find((p) => p.verdict === 'fail')!;
    failing.decidedBy = { chain: 'cali-pi-_x', rule: '-j MARK --set-xmark 0x10000/0x10000', kind: 'policy-allow', policy: 'gnp:platform.allow', tier: 'platform' };
    expect(renderMarkdown(sampleReport([recipe]))).to.include('decided by policy-allow by policy gnp:platform.allow (tier platform) in `cali-pi-_x`');
  });
});
