import { expect } from 'chai';
import { InputError } from '../../errors.ts';
import { readFileSync } from 'node:fs';
import { versionsFile } from '../../upstream/versions.ts';
import { loadKindPins, manifestPin, parseKindPins } from './pins.ts';

const loadRaw = (): Record<string, unknown> => JSON.parse(readFileSync(versionsFile, 'utf8')) as Record<string, unknown>;

describe('kind pins in versions.json', () => {
  it('pins the node image by digest and a manifest sha256 for the default Calico', () => {
    const pins = loadKindPins();
    expect(pins.nodeImage).to.match(/^kindest\/node:v[\d.]+@sha256:[0-9a-f]{64}$/);
    const pin = manifestPin(pins, pins.calicoDefault);
    expect(pin.url).to.equal(`https://raw.githubusercontent.com/projectcalico/calico/${pins.calicoDefault}/manifests/calico.yaml`);
    expect(pin.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(pins.vxlanManifests.get(pins.calicoDefault)).to.deep.include({ file: 'calico-vxlan.yaml' });
    expect(pins.vxlanManifests.get(pins.calicoDefault)!.sha256).to.match(/^[0-9a-f]{64}$/);
  });

  it('pins every input of the images built without a registry', () => {
    const { images } = loadKindPins();
    expect(images.containerd.commit).to.match(/^[0-9a-f]{40}$/);
    expect(images.debian.suite).to.equal('bookworm');
    expect(() => parseKindPins({ ...loadRaw(), kindImages: { ...(loadRaw().kindImages as object), runc: 'latest' } })).to.throw(InputError, /\$\.kindImages\.runc/);
  });

  it('rejects malformed pins and unknown releases', () => {
    const raw = {
      kindImages: loadRaw().kindImages,
      kind: 'v0.32.0',
      actionlint: 'v1.7.12',
      kindNodeImage: 'kindest/node:v1.36.1',
      calico: { default: 'v3.32.1', versions: {} },
      fixtureImages: { agnhost: { image: 'a/b:1', digest: null } },
    };
    expect(() => parseKindPins(raw)).to.throw(InputError, /kindNodeImage/);
    const ok = parseKindPins({ ...raw, kindNodeImage: `kindest/node:v1.36.1@sha256:${'a'.repeat(64)}` });
    expect(() => manifestPin(ok, 'v3.99.0')).to.throw(InputError, /no manifest pin/);
  });
});
