import { expect } from 'chai';
import { imageRef, splitImage, tagOf, withMirror } from './images.ts';

const digest = `sha256:${'a'.repeat(64)}`;

describe('kind images', () => {
  it('pins by digest unless the image was preloaded by tag', () => {
    const pin = { image: 'registry.k8s.io/e2e-test-images/agnhost:2.63.0', digest };
    expect(imageRef(pin)).to.equal(`registry.k8s.io/e2e-test-images/agnhost:2.63.0@${digest}`);
    expect(imageRef(pin, { preloaded: true })).to.equal('registry.k8s.io/e2e-test-images/agnhost:2.63.0');
    expect(imageRef({ image: pin.image, digest: undefined })).to.equal(pin.image);
  });

  it('moves images onto a mirror, keeping the path', () => {
    expect(withMirror('quay.io/calico/node:v3.32.1', 'mirror.local:5000/proxy/')).to.equal('mirror.local:5000/proxy/calico/node:v3.32.1');
    expect(withMirror('calico/node:v3.29.7', 'm.local')).to.equal('m.local/calico/node:v3.29.7');
    expect(withMirror('quay.io/calico/node:v3.32.1', undefined)).to.equal('quay.io/calico/node:v3.32.1');
    expect(splitImage('localhost/x:1')).to.deep.equal({ registry: 'localhost', path: 'x:1' });
  });

  it('drops digests for kind load', () => {
    expect(tagOf(`a.io/b:1@${digest}`)).to.equal('a.io/b:1');
  });
});
