import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { parseRunArgs } from '../cli/run.ts';
import { defaultCalico, defaultRunOptions, ipFamiliesOf, loadResources, runIpFamilies, runOptionsFromEnv, runOptionsToEnv, validateRunOptions } from './options.ts';
import type { UpstreamVersions } from '../upstream/index.ts';

describe('run options', () => {
  it('parses repeatable recipes and felix settings', () => {
    const { options } = parseRunArgs(['--recipe', '01', '--recipe=02a,06', '--felix-setting', 'IptablesFilterDenyAction=REJECT', '--dataplane', 'nftables']);
    expect(options.recipes).to.deep.equal(['01', '02a', '06']);
    expect(options.felixSettings).to.deep.equal({ IptablesFilterDenyAction: 'REJECT' });
    expect(options.dataplane).to.equal('nftables');
    expect(validateRunOptions(options).recipes.map((r) => r.id)).to.deep.equal(['01', '02a', '06']);
  });

  it('rejects an unknown recipe, naming the ones there are', () => {
    const options = { ...defaultRunOptions(), recipes: ['99'] };
    expect(() => validateRunOptions(options)).to.throw(InputError, /no recipe "99"; the catalog has: 01, /);
  });

  it('rejects an unknown Calico version, provider and dataplane', () => {
    expect(() => validateRunOptions({ ...defaultRunOptions(), calicoVersion: 'v9.9.9' })).to.throw(InputError, /unknown Calico version "v9.9.9"; versions.json pins/);
    expect(() => validateRunOptions({ ...defaultRunOptions(), provider: 'gke' as never })).to.throw(InputError, /unknown provider "gke"/);
    expect(() => validateRunOptions({ ...defaultRunOptions(), dataplane: 'bpf' as never })).to.throw(InputError, /unknown dataplane "bpf"/);
  });

  it('parses and checks --concurrency, --blocked-by and --grep', () => {
    const { options } = parseRunArgs(['--concurrency', '3', '--blocked-by', 'timeout', '--grep', 'icmp']);
    expect(options).to.deep.include({ concurrency: 3, blockedBy: 'timeout', grep: 'icmp' });
    expect(validateRunOptions({ ...options, recipes: ['01', '06'] }).recipes.map((r) => r.id)).to.deep.equal(['01', '06']);
    expect(validateRunOptions({ ...defaultRunOptions(), grep: '^x-udp-and-tcp: ' }).recipes.map((r) => r.id)).to.deep.equal(['x-udp-and-tcp']);
    expect(() => validateRunOptions({ ...defaultRunOptions(), grep: 'after (' })).to.throw(InputError, /--grep "after \(" is not a regular expression \(.*\); escape characters such as/);
    expect(validateRunOptions({ ...defaultRunOptions(), grep: '/^X-UDP-AND-TCP: /i' }).recipes.map((r) => r.id)).to.deep.equal(['x-udp-and-tcp']);
    expect(validateRunOptions({ ...defaultRunOptions(), recipes: ['01', '06'], grep: 'after .* icmp' }).recipes.map((r) => r.id)).to.deep.equal(['01', '06']);
    expect(() => validateRunOptions({ ...defaultRunOptions(), concurrency: 0 })).to.throw(InputError, /--concurrency must be a whole number from 1 to 32, got 0/);
    expect(() => parseRunArgs(['--concurrency', 'many'])).to.throw(InputError, /--concurrency must be a whole number from 1 to 32 recipes, got "many"/);
    expect(() => validateRunOptions({ ...defaultRunOptions(), blockedBy: 'luck' as never })).to.throw(InputError, /--blocked-by must be one of: counters, timeout/);
    expect(() => validateRunOptions({ ...defaultRunOptions(), grep: 'no such probe' })).to.throw(InputError, /--grep "no such probe" matches no probe of the recipes to run/);
  });

  it('parses and checks --ip-family; --grep IPv6 selects recipes by their IPv6 probes', () => {
    expect(parseRunArgs(['--ip-family', 'dual']).options.ipFamily).to.equal('dual');
    expect(parseRunArgs([]).options.ipFamily, 'the provider decides').to.equal(undefined);
    expect(ipFamiliesOf('dual')).to.deep.equal(['IPv4', 'IPv6']);
    expect(ipFamiliesOf('ipv4')).to.deep.equal(['IPv4']);
    expect(runIpFamilies({ provider: 'netns' }), 'netns is dual-stack by default').to.deep.equal(['IPv4', 'IPv6']);
    expect(runIpFamilies({ provider: 'kind' }), 'kind is IPv4 unless asked').to.deep.equal(['IPv4']);
    expect(runIpFamilies({ provider: 'netns', ipFamily: 'ipv4' })).to.deep.equal(['IPv4']);
    expect(runIpFamilies({ provider: 'kind', ipFamily: 'dual' })).to.deep.equal(['IPv4', 'IPv6']);
    expect(() => validateRunOptions(parseRunArgs(['--ip-family', 'ipv6']).options)).to.throw(InputError, /--ip-family must be one of: ipv4, dual; got "ipv6"/);
    const picked = validateRunOptions({ ...defaultRunOptions(), recipes: ['01', '06'], grep: '^01: .*icmp IPv6$' }).recipes.map((r) => r.id);
    expect(picked).to.deep.equal(['01']);
  });

  it('rejects malformed flags', () => {
    expect(() => parseRunArgs(['--felix-setting', 'nonsense'])).to.throw(InputError, /must be Field=value/);
    expect(() => parseRunArgs(['--run-id', 'Bad_Id'])).to.throw(InputError, /--run-id/);
    expect(() => parseRunArgs(['--bogus'])).to.throw(InputError, /unknown option "--bogus"/);
  });

  it('round-trips through the environment the specs read', () => {
    const options = { ...defaultRunOptions(), recipes: ['03'], connectSeconds: 3 };
    expect(runOptionsFromEnv(runOptionsToEnv(options))).to.deep.equal(options);
  });

  it('defaults every provider to versions.json\'s default Calico, which netns must be able to build', () => {
    const pins = { calico: 'v0.0.0-20250101000000-0123456789ab', api: 'v0.0.0-20250101000000-0123456789ab' };
    const source = { repository: 'https://example.invalid/calico.git', tag: 'v3.32.1', commit: 'a'.repeat(40), archiveSha256: 'b'.repeat(64) };
    const versions: UpstreamVersions = {
      kubernetes: 'v1.36.1',
      etcd: 'v3.6.8',
      calicoDefault: 'v3.32.1',
      calicoReleases: ['v3.32.1', 'v3.31.0'],
      calicoGoModules: new Map([['v3.31.0', pins]]),
      calicoSources: new Map([['v3.32.1', source]]),
    };
    expect(defaultCalico('netns', versions)).to.equal('v3.32.1');
    expect(defaultCalico('kind', versions)).to.equal('v3.32.1');
    expect(() => defaultCalico('netns', { ...versions, calicoSources: new Map() })).to.throw(InputError, /neither Go modules nor a source tree for the default Calico v3\.32\.1/);
    expect(defaultCalico('kind', { ...versions, calicoSources: new Map() })).to.equal('v3.32.1');
  });

  it('reads --calico-resources files and rejects malformed ones by name', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'netpol-resources-'));
    try {
      expect(loadResources('examples/allow-all-tier.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(['Tier/gate-allow-all', 'GlobalNetworkPolicy/gate-allow-all.everything']);
      writeFileSync(join(dir, 'bad.yaml'), 'kind: Tier\n');
      expect(() => loadResources(join(dir, 'bad.yaml'))).to.throw(InputError, /bad.yaml: document 1: needs apiVersion, kind and metadata.name/);
      expect(() => loadResources(join(dir, 'missing.yaml'))).to.throw(InputError, /--calico-resources .*missing.yaml: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
