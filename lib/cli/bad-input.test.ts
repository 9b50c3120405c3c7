// The hostile-user sweep, run as a user runs the CLI (through the package bin): every bad input
// exits 2 (3 for a missing prerequisite) with exactly one short line on stderr that names the
// problem, no stack trace, nothing on stdout, and nothing created or written.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { maxErrorLine } from '../errors.ts';
import { sampleReport } from '../report/sample-report.ts';
import { runCli, type CliRun } from '../testing/cli.ts';
import { loadVersions } from '../upstream/index.ts';

interface Case {
  args: string[];
  status: 2 | 3;
  message: RegExp;
  env?: NodeJS.ProcessEnv;
}

describe('bad input to the CLI (the hostile-user sweep)', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'netpol-bad-input-'));
  const file = (name: string, content: string | Buffer): string => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const locks = join(dir, 'locks');
  const env = { ...process.env, NETPOL_CONFORMANCE_LOCKS: locks };
  let reportsSerial = 0;
  /** A reports directory of its own for each run case, so "nothing written" can be checked. */
  const reports = (): string[] => ['--reports', join(dir, `reports-${++reportsSerial}`)];
  const etcBefore = readdirSync('/etc');

  const gz = file('scenario.yaml.gz', gzipSync(Buffer.from('namespaces: []\n'.repeat(50))));
  const report = file('report.json', JSON.stringify(sampleReport()));
  const deep = file('deep.json', '['.repeat(200_000) + ']'.repeat(200_000));
  const huge = file('huge.json', '');
  truncateSync(huge, 65 * 1024 * 1024); // sparse: the size alone must refuse it
  const bigScenario = file('big.yaml', 'namespaces:\n' + '  - name: ns\n'.repeat(800_000));
  const tinyValues = file('values.yaml', `namespaces: [${'a,'.repeat(1_100_000)}a]\n`);
  const bigLabel = file('label.yaml', `namespaces:\n  - name: a\n    labels: {k: ${'v'.repeat(900_000)}}\n`);
  const bigScalar = file('scalar.yaml', 's'.repeat(900_000) + '\n');
  const manyPods = file('pods.yaml', 'namespaces: [{name: a}]\npods:\n' + Array.from({ length: 10_001 }, (_, i) => `  - {namespace: a, name: p${i}}\n`).join(''));
  const latin1 = file('latin1.yaml', Buffer.from([0x6e, 0x3a, 0x20, 0xe9, 0x0a]));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const catalog = join(dir, 'catalog');
  mkdirSync(catalog);
  writeFileSync(
    join(catalog, 'bad-recipe.yaml'),
    'id: bad\ntitle: t\nsource: s\nnamespaces: [{name: a}]\npods:\n  - namespace: a\n    name: web\n    serve:\n      - {port: http}\npolicies: []\nprobes: []\n',
  );
  const versions = loadVersions();
  const unbuildable = versions.calicoReleases.find((r) => !versions.calicoGoModules.has(r) && !versions.calicoSources.has(r));
  // Without the programs the netns provider needs: should an input check ever let bad input
  // through, the run stops at the prerequisites (exit 3) instead of starting a cluster.
  const noPrograms = { ...env, PATH: join(dir, 'empty-path') };

  const cases: Record<string, Case> = {
    'no command': { args: [], status: 2, message: /^netpol-conformance: no command given; run `netpol-conformance --help`/ },
    'an unknown command': { args: ['frobnicate'], status: 2, message: /unknown command "frobnicate"/ },
    // expect: files that are no scenario
    'a gzip file': { args: ['expect', gz], status: 2, message: /scenario\.yaml\.gz: not a text file \(it holds NUL bytes\)/ },
    '/etc/passwd as a scenario': { args: ['expect', '/etc/passwd'], status: 2, message: /^netpol-conformance expect: \/etc\/passwd: must be a mapping, got string "root:/ },
    'a 9 MiB scenario': { args: ['expect', bigScenario], status: 2, message: /big\.yaml: 9\.\d MiB is over the 8\.0 MiB limit for a scenario file/ },
    'a million tiny YAML values': { args: ['expect', tinyValues], status: 2, message: /values\.yaml: more than 1,000,000 YAML values; split the file/ },
    'a 900 KB label value': { args: ['expect', bigLabel], status: 2, message: /labels\.k: invalid label value "v{100}"… \(900000 characters\): must be no more than 63 characters/ },
    'a 900 KB scalar document': { args: ['expect', bigScalar], status: 2, message: /scalar\.yaml: must be a mapping, got string "s{100}"… \(900000 characters\)/ },
    '10,001 pods': { args: ['expect', manyPods], status: 2, message: /pods\.yaml: pods: 10001 entries; at most 10000 are allowed/ },
    'a Latin-1 file': { args: ['expect', latin1], status: 2, message: /latin1\.yaml: not UTF-8 text/ },
    'a directory as a scenario': { args: ['expect', dir], status: 2, message: /not a regular file \(a directory\)/ },
    '/dev/stdin as a scenario': { args: ['expect', '/dev/stdin'], status: 2, message: /\/dev\/stdin: not a regular file/ },
    'no scenario': { args: ['expect'], status: 2, message: /expected one scenario file, got 0 arguments/ },
    // compare
    'a 200,000-deep JSON array': { args: ['compare', deep, report], status: 2, message: /deep\.json: \$: expected an object, got a list/ },
    'a 65 MiB report': { args: ['compare', report, huge], status: 2, message: /huge\.json: 65\.0 MiB is over the 64\.0 MiB limit for a report\.json/ },
    '/dev/stdin as a report': { args: ['compare', report, '/dev/stdin'], status: 2, message: /\/dev\/stdin: not a regular file/ },
    'a pipe as a report': { args: ['compare', report, fifo], status: 2, message: /fifo: not a regular file \(a pipe, socket or device\)/ },
    'compare with no report': { args: ['compare'], status: 2, message: /expected two report\.json files \(baseline, candidate\), got 0 arguments/ },
    'compare with one report': { args: ['compare', report], status: 2, message: /got 1 argument;/ },
    'compare with three reports': { args: ['compare', report, report, report], status: 2, message: /got 3 arguments/ },
    // run: every flag checked before anything starts
    'run --grep (': { args: ['run', '--grep', '(', ...reports()], status: 2, message: /--grep "\(" is not a regular expression/ },
    'run --grep matching nothing': { args: ['run', '--grep', 'no such probe', ...reports()], status: 2, message: /--grep "no such probe" matches no probe/ },
    'run --reports /etc/passwd': { args: ['run', '--reports', '/etc/passwd'], status: 2, message: /--reports \/etc\/passwd: is a file, not a directory/ },
    'run --reports /etc': { args: ['run', '--reports', '/etc'], status: 2, message: /--reports \/etc holds other files/ },
    'run --deadline 1e12': { args: ['run', '--deadline', '1e12', ...reports()], status: 2, message: /--deadline must be a number from 0\.1 to 1440 minutes, got "1e12"/ },
    'run --deadline 0': { args: ['run', '--deadline', '0', ...reports()], status: 2, message: /--deadline must be a number/ },
    'run --registry-mirror on netns': { args: ['run', '--registry-mirror', 'mirror.local:5000', ...reports()], status: 2, message: /--registry-mirror is for --provider kind/ },
    'run --preload-images on netns': { args: ['run', '--preload-images', ...reports()], status: 2, message: /--preload-images is for --provider kind/ },
    'run an unknown Calico': { args: ['run', '--calico', 'v9.9.9', ...reports()], status: 2, message: /unknown Calico version "v9\.9\.9"/ },
    'run --connect-timeout abc': { args: ['run', '--connect-timeout', 'abc', ...reports()], status: 2, message: /--connect-timeout must be a number from 1 to 30 seconds, got "abc"/ },
    'run --run-id BAD_ID': { args: ['run', '--run-id', 'BAD_ID', ...reports()], status: 2, message: /--run-id must be 1 to 8 lowercase letters or digits, got "BAD_ID"/ },
    'run a malformed user catalog': { args: ['run', '--catalog', catalog, ...reports()], status: 2, message: /bad-recipe\.yaml: pods\[0\]\.serve\[0\]\.port: .* \(line 9\)$/ },
    'run --calico-resources gzip': { args: ['run', '--calico-resources', gz, ...reports()], status: 2, message: /--calico-resources .*gz: not a text file/ },
    'run an unknown recipe': { args: ['run', '--recipe', 'nope', ...reports()], status: 2, message: /no recipe "nope"; the catalog has: 01,/ },
    'run with an argument': { args: ['run', 'extra', ...reports()], status: 2, message: /unexpected argument "extra"/ },
    'run --ip-family ipv6': { args: ['run', '--ip-family', 'ipv6', ...reports()], status: 2, message: /--ip-family must be one of: ipv4, dual; got "ipv6"/ },
    'run --provider gke': { args: ['run', '--provider', 'gke', ...reports()], status: 2, message: /unknown provider "gke"/ },
    'run --keep-cluster-on-failure=yes': { args: ['run', '--keep-cluster-on-failure=yes', ...reports()], status: 2, message: /--keep-cluster-on-failure takes no value/ },
    'run without the programs the netns provider needs': { args: ['run', '--recipe', '01', ...reports()], status: 3, env: noPrograms, message: /the netns provider needs .*socat \(Debian package socat\).*; install with: apt-get install -y / },
    // gate: checked before either run
    'gate --slowdown-ratio abc': { args: ['gate', '--slowdown-ratio', 'abc', ...reports()], status: 2, message: /--slowdown-ratio must be a number from 1 to 1000, got "abc"/ },
    'gate --slowdown-ratio -1': { args: ['gate', '--slowdown-ratio', '-1', ...reports()], status: 2, message: /--slowdown-ratio needs a value but is followed by "-1"/ },
    'gate --slowdown-ratio=-1': { args: ['gate', '--slowdown-ratio=-1', ...reports()], status: 2, message: /--slowdown-ratio must be a number from 1 to 1000, got "-1"/ },
    'gate an unknown candidate dataplane': { args: ['gate', '--candidate-dataplane', 'bpf', ...reports()], status: 2, message: /unknown dataplane "bpf"/ },
    'gate --ip-family v6': { args: ['gate', '--ip-family', 'v6', ...reports()], status: 2, message: /--ip-family must be one of: ipv4, dual; got "v6"/ },
    'gate a malformed user catalog': { args: ['gate', '--catalog', catalog, ...reports()], status: 2, message: /bad-recipe\.yaml: pods\[0\]\.serve\[0\]\.port: .* \(line 9\)$/ },
    'gate without the programs the netns provider needs': { args: ['gate', '--recipe', '01', ...reports()], status: 3, env: noPrograms, message: /the netns provider needs / },
    // bench, build, recipes, clean
    'bench --no-cluster bogus': { args: ['bench', '--no-cluster', 'bogus'], status: 2, message: /unexpected argument "bogus": `netpol-conformance bench` takes options only/ },
    'bench --report of a deep array': { args: ['bench', '--report', deep], status: 2, message: /deep\.json: \$: expected an object, got a list/ },
    'build with an argument': { args: ['build', 'extra'], status: 2, message: /unexpected argument "extra"/ },
    "build --calico ''": { args: ['build', '--calico', ''], status: 2, message: /--calico needs a value, got an empty one/ },
    "build --calico ' , '": { args: ['build', '--calico', ' , '], status: 2, message: /--calico needs at least one Calico release/ },
    'build an unknown Calico': { args: ['build', '--calico', 'v9.9.9'], status: 2, message: /Calico v9\.9\.9 has no Go module pins/ },
    'build --all=yes': { args: ['build', '--all=yes'], status: 2, message: /--all takes no value/ },
    'recipes --json=banana': { args: ['recipes', '--json=banana'], status: 2, message: /--json takes no value \(got "banana"\)/ },
    'recipes --recipe --help': { args: ['recipes', '--recipe', '--help'], status: 2, message: /--recipe needs a value but is followed by "--help"/ },
    'recipes --ip-family both': { args: ['recipes', '--ip-family', 'both'], status: 2, message: /--ip-family must be one of: ipv4, dual; got "both"/ },
    'recipes --catalog /etc/passwd': { args: ['recipes', '--catalog', '/etc/passwd'], status: 2, message: /cannot read the recipe catalog \/etc\/passwd: not a directory/ },
    'recipes of a malformed user catalog': { args: ['recipes', '--catalog', catalog], status: 2, message: /bad-recipe\.yaml: pods\[0\]\.serve\[0\]\.port: must be an integer, got string "http" \(line 9\)$/ },
    'clean with an argument': { args: ['clean', 'extra'], status: 2, message: /unexpected argument "extra"/ },
    'clean --force=yes': { args: ['clean', '--force=yes'], status: 2, message: /--force takes no value/ },
    'clean --run ../x': { args: ['clean', '--run', '../x'], status: 2, message: /--run "\.\.\/x" is neither a run id/ },
  };
  if (unbuildable) {
    cases[`run Calico ${unbuildable} (no felix for netns)`] = { args: ['run', '--calico', unbuildable, ...reports()], status: 2, message: /cannot run on the netns provider: versions\.json pins neither Go modules nor a source tree for it; use --calico v/ };
  }

  const results = new Map<string, CliRun>();
  before(async () => {
    // Four at a time: each CLI start pays for tsx.
    const names = Object.keys(cases);
    for (let i = 0; i < names.length; i += 4) {
      await Promise.all(
        names.slice(i, i + 4).map(async (name) => {
          const c = cases[name]!;
          const startsRuns = c.args[0] === 'run' || c.args[0] === 'gate';
          results.set(name, await runCli(c.args, 60_000, c.env ?? (startsRuns ? noPrograms : env)));
        }),
      );
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: exit ${c.status}, one line`, () => {
      const run = results.get(name)!;
      expect(run.status, run.stderr).to.equal(c.status);
      expect(run.stdout).to.equal('');
      expect(run.stderr.endsWith('\n') && run.stderr.indexOf('\n') === run.stderr.length - 1, `one line: ${run.stderr}`).to.equal(true);
      expect(run.stderr.length).to.be.at.most(maxErrorLine + 60);
      expect(run.stderr).to.not.match(/\n\s+at /);
      expect(run.stderr.trimEnd()).to.match(c.message);
    });
  }

  it('wrote nothing: no reports directory, no lock left, nothing in /etc or /dev', () => {
    for (let i = 1; i <= reportsSerial; i++) expect(existsSync(join(dir, `reports-${i}`)), `reports-${i}`).to.equal(false);
    expect(existsSync(locks) ? readdirSync(locks) : []).to.deep.equal([]);
    expect(readdirSync('/etc')).to.deep.equal(etcBefore);
    expect(existsSync('/dev/compare.json')).to.equal(false);
  });
});
