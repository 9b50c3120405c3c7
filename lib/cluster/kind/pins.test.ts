import { expect } from 'chai';
import { InputError } from '../../errors.ts';
import { loadKindPins, manifestPin, parseKindPins } from './pins.ts';

describe('kind pins in versions.json', () => {
  it('pins the node image by digest and a manifest sha256 for the default Calico', () => {
    const pins = loadKindPins();
    expect(pins.nodeImage).to.match(/^kindest\/node:v[\d.]+@sha256:[0-9a-f]{64}$/);
    const pin = manifestPin(pins, pins.calicoDefault);
    expect(pin.url).to.equal(`https://raw.githubusercontent.com/projectcalico/calico/${pins.calicoDefault}/manifests/calico.yaml`);
    expect(pin.sha256).to.match(/^[0-9a-f]{64}$/);
  });

  it('rejects malformed pins and unknown releases', () => {
    const raw = {
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
