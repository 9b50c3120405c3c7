import { expect } from 'chai';
import { loadKindPins } from '../cluster/kind/pins.ts';
import { dockerChanges } from './build.ts';
import { calicoImageSpecs, kindNodeRootfsSpec, kubernetesImageSpecs, type ImageInputs } from './specs.ts';

const names = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubelet', 'kubeadm', 'kubectl', 'etcd', 'agnhost'];
const tools = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc', 'crictl', 'host-local', 'loopback', 'ptp', 'portmap', 'tuning', 'coredns', 'pause'];
const inputs: ImageInputs = {
  kubernetes: 'v1.36.1',
  pins: loadKindPins().images,
  k8s: Object.fromEntries(names.map((n) => [n, `/bin/${n}`])),
  tools: Object.fromEntries(tools.map((n) => [n, `/tools/${n}`])),
  kindBaseFiles: '/kind-files',
  kindBaseFileList: ['etc/containerd/config.toml', 'usr/local/bin/entrypoint', 'kind/bin/mount-product-files.sh'],
  agnhostFiles: { crt: '/a.crt', key: '/a.key' },
  criBaseJson: '{}',
};

describe('image plan', () => {
  it('names every image kubeadm v1.36.1 and kind run, as they name them', () => {
    expect(kubernetesImageSpecs(inputs).map((s) => s.ref)).to.deep.equal([
      'registry.k8s.io/kube-apiserver:v1.36.1',
      'registry.k8s.io/kube-controller-manager:v1.36.1',
      'registry.k8s.io/kube-scheduler:v1.36.1',
      'registry.k8s.io/kube-proxy:v1.36.1',
      'registry.k8s.io/etcd:3.6.8-0',
      'registry.k8s.io/coredns/coredns:v1.14.2',
      'registry.k8s.io/pause:3.10',
    ]);
  });

  it('lays the node out as kind does: binaries, executable hooks, /kind/version, systemd as init', () => {
    const node = kindNodeRootfsSpec(inputs);
    const to = new Map(node.files.map((f) => [f.to, f]));
    for (const path of ['/usr/bin/kubelet', '/usr/bin/kubeadm', '/usr/bin/kubectl', '/usr/local/bin/containerd', '/usr/local/sbin/runc', '/opt/cni/bin/portmap']) {
      expect(to.get(path)?.mode, path).to.equal(0o755);
    }
    expect(to.get('/usr/local/bin/entrypoint')?.mode).to.equal(0o755);
    expect(to.get('/kind/bin/mount-product-files.sh')?.mode).to.equal(0o755);
    expect(to.get('/etc/containerd/config.toml')?.mode).to.equal(0o644);
    expect(node.writes).to.deep.include({ path: '/kind/version', content: 'v1.36.1' });
    expect(node.config.entrypoint).to.deep.equal(['/usr/local/bin/entrypoint', '/sbin/init']);
  });

  it('tags the Calico images as the release manifest names them, with their entrypoints', () => {
    const specs = calicoImageSpecs({ version: 'v3.32.1', dir: '/c', registry: 'quay.io/calico', tools: inputs.tools });
    expect(specs.map((s) => s.ref)).to.deep.equal(['quay.io/calico/node:v3.32.1', 'quay.io/calico/cni:v3.32.1', 'quay.io/calico/kube-controllers:v3.32.1']);
    expect(specs[0]!.config.cmd).to.deep.equal(['start_runit']);
    expect(specs[2]!.config).to.deep.include({ user: '999', entrypoint: ['/usr/bin/wrapper', '/usr/bin/kube-controllers'] });
  });

  it('turns an image config into docker import changes', () => {
    const changes = dockerChanges(kindNodeRootfsSpec(inputs), { 'io.netpol-conformance.inputs': 'abc' });
    expect(changes).to.include('ENTRYPOINT ["/usr/local/bin/entrypoint","/sbin/init"]');
    expect(changes).to.include('ENV container=docker');
    expect(changes).to.include('LABEL io.netpol-conformance.inputs="abc"');
  });
});
