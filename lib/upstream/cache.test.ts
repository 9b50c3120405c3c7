import { expect } from 'chai';
import { homedir } from 'node:os';
import { cachedBinaryPath, cacheRoot } from './cache.ts';

describe('upstream binary cache', () => {
  it('prefers NETPOL_CONFORMANCE_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheRoot({ NETPOL_CONFORMANCE_CACHE: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).to.equal('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x', HOME: '/h' })).to.equal('/x/netpol-conformance');
    expect(cacheRoot({ HOME: '/h' })).to.equal('/h/.cache/netpol-conformance');
    expect(cacheRoot({})).to.equal(`${homedir()}/.cache/netpol-conformance`);
  });

  it('lays binaries out as <cache>/bin/<component>/<version>/<binary>', () => {
    const env = { NETPOL_CONFORMANCE_CACHE: '/c' };
    expect(cachedBinaryPath('felix', 'v3.31.0', env)).to.equal('/c/bin/felix/v3.31.0/calico-felix');
    expect(cachedBinaryPath('kube-apiserver', 'v1.36.1', env)).to.equal('/c/bin/kube-apiserver/v1.36.1/kube-apiserver');
  });

  it('refuses a version that could escape the cache directory', () => {
    expect(() => cachedBinaryPath('etcd', '../../etc', { NETPOL_CONFORMANCE_CACHE: '/c' })).to.throw(/not a version/);
  });
});
