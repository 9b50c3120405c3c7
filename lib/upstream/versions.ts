// Reads the upstream pins from versions.json, the one file where versions live.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const versionsFile = fileURLToPath(new URL('../../versions.json', import.meta.url));

/** Go module pins for one Calico release: pseudo-versions of the release tag's commit. */
export interface CalicoGoModules {
  /** github.com/projectcalico/calico (also used for its lib/* modules). */
  calico: string;
  /** github.com/projectcalico/api, the commit of that repository matching the release. */
  api: string;
}

/** Where a Calico release's source tree comes from: its tag, the commit the tag must point at,
 * and the sha256 of `git archive` of that commit (the form release sources are shipped in). */
export interface CalicoSourcePin {
  repository: string;
  tag: string;
  commit: string;
  archiveSha256: string;
}

export interface UpstreamVersions {
  kubernetes: string;
  etcd: string;
  calicoDefault: string;
  /** Every Calico release named in versions.json, pinned or not. */
  calicoReleases: string[];
  /** The releases whose Go modules are pinned, so felix can be built for them. */
  calicoGoModules: Map<string, CalicoGoModules>;
  /** The releases whose source tree is pinned, so felix and the Calico images are built inside it. */
  calicoSources: Map<string, CalicoSourcePin>;
}

const semver = /^v\d+\.\d+\.\d+$/;
const pseudoVersion = /^v\d+\.\d+\.\d+-(?:[0-9A-Za-z.-]+\.)?\d{14}-[0-9a-f]{12}$/;

export function loadVersions(file = versionsFile): UpstreamVersions {
  return parseVersions(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}

/** Validate the parts of versions.json this module uses; throws InputError naming the bad field. */
export function parseVersions(raw: unknown, file = 'versions.json'): UpstreamVersions {
  const fail = (what: string): never => {
    throw new InputError(`${file}: ${what}`);
  };
  const obj = (v: unknown, at: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${at} must be an object`);
  const version = (v: unknown, at: string, pattern = semver): string =>
    typeof v === 'string' && pattern.test(v) ? v : fail(`${at} must be a version like ${pattern === semver ? 'v1.2.3' : 'v0.0.0-20250101000000-0123456789ab'}, got ${JSON.stringify(v)}`);

  const root = obj(raw, '$');
  const calico = obj(root.calico, '$.calico');
  const releases = obj(calico.versions, '$.calico.versions');
  const hex = (v: unknown, at: string, length: number): string =>
    typeof v === 'string' && new RegExp(`^[0-9a-f]{${length}}$`).test(v) ? v : fail(`${at} must be ${length} lower-case hex digits, got ${JSON.stringify(v)}`);
  const calicoGoModules = new Map<string, CalicoGoModules>();
  const calicoSources = new Map<string, CalicoSourcePin>();
  for (const [release, entry] of Object.entries(releases)) {
    version(release, `$.calico.versions key`);
    const { goModules, source } = obj(entry, `$.calico.versions.${release}`);
    if (source !== undefined) {
      const at = `$.calico.versions.${release}.source`;
      const pin = obj(source, at);
      const text = (v: unknown, field: string): string => (typeof v === 'string' && v !== '' ? v : fail(`${at}.${field} must be a non-empty string`));
      calicoSources.set(release, {
        repository: text(pin.repository, 'repository'),
        tag: text(pin.tag, 'tag'),
        commit: hex(pin.commit, `${at}.commit`, 40),
        archiveSha256: hex(pin.archiveSha256, `${at}.archiveSha256`, 64),
      });
    }
    if (goModules === undefined) continue;
    const at = `$.calico.versions.${release}.goModules`;
    const pins = obj(goModules, at);
    calicoGoModules.set(release, {
      calico: version(pins.calico, `${at}.calico`, pseudoVersion),
      api: version(pins.api, `${at}.api`, pseudoVersion),
    });
  }
  const calicoDefault = version(calico.default, '$.calico.default');
  if (!(calicoDefault in releases)) fail(`$.calico.default ${calicoDefault} is not in $.calico.versions`);
  return {
    kubernetes: version(root.kubernetes, '$.kubernetes'),
    etcd: version(root.etcd, '$.etcd'),
    calicoDefault,
    calicoReleases: Object.keys(releases),
    calicoGoModules,
    calicoSources,
  };
}

/** The pins for a Calico release, or an InputError that says how to add them. */
export function calicoPins(versions: UpstreamVersions, release: string): CalicoGoModules {
  const pins = versions.calicoGoModules.get(release);
  if (pins) return pins;
  const pinned = [...versions.calicoGoModules.keys()].join(', ') || 'none';
  throw new InputError(
    `Calico ${release} has no Go module pins in versions.json (pinned: ${pinned}); add ` +
      `calico.versions["${release}"].goModules {calico, api} with the pseudo-versions of the release commit, then run npm run gen:upstream`,
  );
}
