// The netns provider end to end, with real everything: etcd, kube-apiserver and two felixes
// built from their Go modules, pods as network namespaces, real probes, real iptables counters.
// Needs root. NETPOL_DATAPLANE picks the dataplane (default iptables-nft);
// NETPOL_SAVE_CAPTURES=1 writes the node's counters to lib/counters/testdata.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseIptablesSave, parseNftJson } from '../lib/counters/index.ts';
import type { CounterSnapshot } from '../lib/counters/index.ts';
import type { Dataplane } from '../lib/cluster/provider.ts';
import { createNetnsCluster, hostNetworkState, type NetnsCluster } from '../lib/cluster/netns/index.ts';
import { workloadInterfaceName } from '../lib/cluster/netns/topology.ts';
import { runMarkerVariable } from '../lib/cluster/netns/processes.ts';
import { stateRoot } from '../lib/cluster/netns/state.ts';
import { CancelledError } from '../lib/errors.ts';
import { poll, retryHealable } from '../lib/lifecycle/index.ts';
import { createLogger } from '../lib/log.ts';
import type { Connectivity, NetworkPolicy, PodString, ProbeProtocol } from '../lib/model/types.ts';
import { classifyProbe, defaultTimeouts, probeCommand } from '../lib/probe/command.ts';
import { defaultCalico } from '../lib/run/options.ts';

const log = createLogger('test:netns');
const dataplane = (process.env.NETPOL_DATAPLANE ?? 'iptables-nft') as Dataplane;
const calicoVersion = process.env.NETPOL_CALICO ?? defaultCalico('netns');

const ns = 'netns-e2e';
const server: PodString = `${ns}/server`;
const clientSame: PodString = `${ns}/client-same-node`;
const clientOther: PodString = `${ns}/client-other-node`;

const denyAllIngress: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-all-ingress', namespace: ns },
  spec: { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] },
};

async function processesOfRun(prefix: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`${runMarkerVariable}=${prefix}`)) pids.push(Number(entry));
  }
  return pids;
}

/** Peak resident set size (VmHWM) of each process, in MiB. */
async function peakRssMiB(pids: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    out[name] = Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  }
  return out;
}

describe(`netns provider: two nodes, real felix ${calicoVersion} (${dataplane})`, function () {
  this.timeout(600_000);
  const runId = `nc${randomBytes(3).toString('hex')}`;
  let hostBefore: Record<string, string>;
  let cluster: NetnsCluster;
  let ips: Record<PodString, string>;
  const abort = new AbortController();

  async function probe(from: PodString, to: PodString, protocol: ProbeProtocol): Promise<Connectivity> {
    const port = protocol === 'icmp' ? undefined : protocol === 'http' ? 80 : 81;
    const timeouts = { connectSeconds: 1 };
    const result = await cluster.execInPod(from, probeCommand(protocol, ips[to]!, port, timeouts), { timeoutMs: 10_000 });
    const outcome = classifyProbe(protocol, result, timeouts);
    log.debug(`${from} -> ${to} ${protocol}: ${outcome.observed} (${outcome.detail})`);
    return outcome.observed;
  }

  async function probeAll(): Promise<Record<string, Connectivity>> {
    const out: Record<string, Connectivity> = {};
    await Promise.all(
      [clientSame, clientOther].flatMap((from) =>
        (['tcp', 'http', 'icmp'] as const).map(async (protocol) => {
          out[`${from} ${protocol}`] = await probe(from, server, protocol);
        }),
      ),
    );
    return out;
  }

  const expectAll = (observed: Record<string, Connectivity>, want: Connectivity): void => {
    const keys = Object.keys(observed).sort();
    expect(keys).to.have.length(6);
    expect(Object.fromEntries(keys.map((k) => [k, observed[k]]))).to.deep.equal(Object.fromEntries(keys.map((k) => [k, want])));
  };

  async function counters(): Promise<{ text: string; snapshot: CounterSnapshot }> {
    const node = cluster.podInfo(server).node;
    const argv =
      dataplane === 'nftables'
        ? ['nft', '-j', 'list', 'ruleset']
        : [dataplane === 'iptables-legacy' ? 'iptables-legacy-save' : 'iptables-nft-save', '-c'];
    const result = await cluster.execOnNode(node, argv, { timeoutMs: 20_000 });
    expect(result.exitCode, result.stderr).to.equal(0);
    const snapshot =
      dataplane === 'nftables'
        ? parseNftJson(result.stdout)
        : parseIptablesSave(result.stdout, { backend: dataplane === 'iptables-legacy' ? 'legacy' : 'nft' });
    return { text: result.stdout, snapshot };
  }

  /** Packets on the end-of-tier DROP rule of the server's cali-tw- chain. */
  function dropRulePackets(snapshot: CounterSnapshot): number {
    const chain = `cali-tw-${workloadInterfaceName(ns, 'server')}`;
    const rules = snapshot.rules.filter(
      (r) => r.chain.endsWith(chain) && r.target === 'DROP' && r.comments.some((c) => /no policies passed packet/i.test(c)),
    );
    expect(rules, `a "no policies passed packet" DROP rule in ${chain}`).to.have.length.greaterThan(0);
    return rules.reduce((sum, r) => sum + r.packets, 0);
  }

  const workDir = mkdtempSync(join(tmpdir(), 'netpol-conformance-e2e-'));

  before(async function () {
    hostBefore = await hostNetworkState();
    const started = Date.now();
    cluster = await createNetnsCluster({
      runId,
      calicoVersion,
      dataplane,
      workDir,
      signal: abort.signal,
      log: (line) => log.info(line),
    });
    log.info(`warm start: ${Date.now() - started} ms to felix ready (${JSON.stringify(cluster.timings)})`);
    await cluster.createNamespace(ns, {});
    const serve = [
      { port: 80, protocol: 'TCP' as const, http: true, name: 'http' },
      { port: 81, protocol: 'TCP' as const, name: 'tcp' },
    ];
    const deployed = await Promise.all([
      cluster.deployPod({ namespace: ns, name: 'server', labels: { app: 'server' }, node: cluster.nodes[1]!, serve }),
      cluster.deployPod({ namespace: ns, name: 'client-same-node', labels: { app: 'client' }, node: cluster.nodes[1]!, serve: [] }),
      cluster.deployPod({ namespace: ns, name: 'client-other-node', labels: { app: 'client' }, node: cluster.nodes[0]!, serve: [] }),
    ]);
    ips = Object.fromEntries(deployed.map((d) => [d.pod, d.ip]));
  });

  after(async () => {
    await cluster?.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs felix only inside the node namespaces, never in the host namespace', async () => {
    const hostNet = await readlink('/proc/self/ns/net');
    const felix = Object.entries(cluster.componentPids).filter(([name]) => name.startsWith('felix-'));
    expect(felix).to.have.length(2);
    for (const [name, pid] of felix) {
      const net = await readlink(`/proc/${pid}/ns/net`);
      const nodeNs = (await readFile(`/proc/${pid}/environ`, 'utf8')).includes('FELIX_FELIXHOSTNAME=');
      expect(nodeNs, `${name} is felix`).to.equal(true);
      expect(net, `${name} (pid ${pid}) network namespace`).to.not.equal(hostNet);
    }
    const [a, b] = await Promise.all(felix.map(([, pid]) => readlink(`/proc/${pid}/ns/net`)));
    expect(a).to.not.equal(b);
    const versions = await cluster.versions();
    log.info(`versions: ${JSON.stringify(versions)}`);
    expect(versions.dataplane).to.equal(dataplane);
    expect(versions.felix).to.include(calicoVersion);
  });

  it('with no policy, TCP, HTTP and ping succeed within and across nodes', async () => {
    const observed = await poll('every probe allowed', { retryIf: retryHealable, timeoutMs: 30_000, intervalMs: 500 }, async () => {
      const all = await probeAll();
      return Object.values(all).every((c) => c === 'allowed') ? all : undefined;
    });
    expectAll(observed, 'allowed');
  });

  it('has an external host that reaches pods on both nodes and that pods reach, without NAT', async () => {
    const external = await cluster.createExternalHost('outside', [{ port: 8080, protocol: 'TCP', http: true }]);
    const toPod = await cluster.execInExternalHost('outside', probeCommand('http', ips[server]!, 80), { timeoutMs: 10_000 });
    expect(classifyProbe('http', toPod, defaultTimeouts).observed, toPod.stderr).to.equal('allowed');
    for (const from of [clientSame, clientOther]) {
      const fromPod = await cluster.execInPod(from, ['curl', '-sS', '-m', '5', `http://${external.ip}:8080/`], { timeoutMs: 10_000 });
      expect(fromPod.stdout.trim(), `${from} -> ${external.ip}: ${fromPod.stderr}`).to.equal('outside');
    }
  });

  it('restarts a fixture server that dies', async () => {
    const name = Object.keys(cluster.processPids).find((n) => n.startsWith(`pod-${ns}-server-tcp-80`));
    expect(name, 'the server\'s HTTP fixture process').to.be.a('string');
    process.kill(cluster.processPids[name!]!, 'SIGKILL');
    await poll('the HTTP fixture to answer again', { retryIf: retryHealable, timeoutMs: 10_000, intervalMs: 200 }, async () =>
      (await probe(clientOther, server, 'http')) === 'allowed' ? true : undefined,
    );
    cluster.assertHealthy();
  });

  it('after a deny-all ingress policy, TCP, HTTP and ping from both nodes fail, counted on the server\'s cali-tw- DROP rule', async () => {
    await cluster.kube.apply(denyAllIngress as unknown as Parameters<NetnsCluster['kube']['apply']>[0]);
    const enforcedAfter = Date.now();
    await poll('the policy to be enforced', { retryIf: retryHealable, timeoutMs: 30_000, intervalMs: 250 }, async () =>
      (await probe(clientOther, server, 'tcp')) === 'blocked' ? true : undefined,
    );
    log.info(`policy enforced within ${Date.now() - enforcedAfter} ms`);
    const before = await counters();
    const observed = await probeAll();
    const after = await counters();
    expectAll(observed, 'blocked');
    const dropped = dropRulePackets(after.snapshot) - dropRulePackets(before.snapshot);
    // Six probes, each at least one packet (TCP retransmits SYNs, so usually more).
    expect(dropped, 'packets counted on the DROP rule during the probes').to.be.at.least(6);
    if (process.env.NETPOL_SAVE_CAPTURES === '1') {
      const dir = join(import.meta.dirname, '..', 'lib', 'counters', 'testdata');
      const base = `felix-${calicoVersion}-${dataplane}-deny-all-ingress`;
      const ext = dataplane === 'nftables' ? 'json' : 'txt';
      await writeFile(join(dir, `${base}.before.${ext}`), before.text);
      await writeFile(join(dir, `${base}.after.${ext}`), after.text);
      if (dataplane === 'iptables-nft') {
        // The same rules as nftables sees them (iptables-nft writes nft rules with xt matches).
        const nft = await cluster.execOnNode(cluster.podInfo(server).node, ['nft', '-j', 'list', 'ruleset'], { timeoutMs: 20_000 });
        await writeFile(join(dir, `${base}.nft-ruleset.json`), nft.stdout);
      }
      await writeFile(
        join(dir, `${base}.meta.json`),
        JSON.stringify(
          {
            calicoVersion,
            dataplane,
            serverInterface: workloadInterfaceName(ns, 'server'),
            pods: ips,
            nodes: Object.fromEntries([server, clientSame, clientOther].map((p) => [p, cluster.podInfo(p).node])),
            probes: observed,
            droppedPackets: dropped,
          },
          null,
          2,
        ) + '\n',
      );
    }
  });

  it('after deleting the policy, traffic flows again', async () => {
    await cluster.kube.delete(denyAllIngress as unknown as Parameters<NetnsCluster['kube']['delete']>[0]);
    const observed = await poll('every probe allowed again', { retryIf: retryHealable, timeoutMs: 30_000, intervalMs: 500 }, async () => {
      const all = await probeAll();
      return Object.values(all).every((c) => c === 'allowed') ? all : undefined;
    });
    expectAll(observed, 'allowed');
  });

  it('shows the pods to a watch, Running with their IPs as felix reads them', async () => {
    const seen = new Map<string, string>();
    const stop = new AbortController();
    const watching = cluster.kube.watch(`/api/v1/namespaces/${ns}/pods`, {}, (type, pod) => {
      if (type === 'ADDED') seen.set(pod.metadata.name, (pod as unknown as { status: { podIP: string } }).status.podIP);
      if (seen.size === 3) stop.abort();
    }, stop.signal);
    const timer = setTimeout(() => stop.abort(), 10_000);
    await watching;
    clearTimeout(timer);
    expect(Object.fromEntries(seen)).to.deep.equal({
      server: ips[server],
      'client-same-node': ips[clientSame],
      'client-other-node': ips[clientOther],
    });
  });

  it('reproduces a probe with a command a person can paste', () => {
    expect(cluster.reproduceInPod(clientOther, ['nc', '-z', '-w', '1', ips[server]!, '81'])).to.match(
      new RegExp(`^ip netns exec ${runId}-p-\\d+ nc -z -w 1 ${ips[server]!.replace(/\./g, '\\.')} 81$`),
    );
  });

  it('tears down to exactly the host state it found: namespaces, links, routes, rules, firewall, processes', async () => {
    const peak = await peakRssMiB(cluster.componentPids);
    const total = Object.values(peak).reduce((a, b) => a + b, 0);
    log.info(`peak RSS: ${total} MiB in all (${Object.entries(peak).map(([n, m]) => `${n} ${m}`).join(', ')})`);
    cluster.assertHealthy();
    await cluster.deleteNamespace(ns);
    await cluster.destroy();
    const hostAfter = await hostNetworkState();
    // Other sessions on the machine may hold their own namespaces; ours must all be gone.
    const ours = hostAfter.netns!.split('\n').filter((name) => name.startsWith(`${runId}-`));
    expect(ours).to.deep.equal([]);
    for (const key of Object.keys(hostBefore).filter((k) => k !== 'netns')) {
      expect(hostAfter[key], `host ${key}`).to.equal(hostBefore[key]);
    }
    expect(await processesOfRun(runId)).to.deep.equal([]);
  });
});

describe('netns provider: a setup cancelled halfway', function () {
  this.timeout(120_000);

  it('throws CancelledError and leaves no namespace, process or state behind', async () => {
    const hostBefore = await hostNetworkState();
    const runId = `nc${randomBytes(3).toString('hex')}`;
    const workDir = mkdtempSync(join(tmpdir(), 'netpol-conformance-e2e-'));
    const abort = new AbortController();
    const lines: string[] = [];
    const setup = createNetnsCluster({
      runId,
      calicoVersion,
      dataplane,
      workDir,
      signal: abort.signal,
      log: (line) => {
        lines.push(line);
        // Cancel once the API server is being waited for: processes and namespaces exist by then.
        if (/node-netns took/.test(line)) abort.abort(new Error('test cancels the setup'));
      },
    });
    const error = await setup.then(
      () => undefined,
      (e: unknown) => e,
    );
    rmSync(workDir, { recursive: true, force: true });
    expect(error, lines.join('\n')).to.be.instanceOf(CancelledError);
    const hostAfter = await hostNetworkState();
    expect(hostAfter.netns!.split('\n').filter((n) => n.startsWith(`${runId}-`))).to.deep.equal([]);
    expect(hostAfter.links).to.equal(hostBefore.links);
    expect(await processesOfRun(runId)).to.deep.equal([]);
    expect(await readdir(join(stateRoot(), runId)).catch(() => 'gone')).to.equal('gone');
  });
});
