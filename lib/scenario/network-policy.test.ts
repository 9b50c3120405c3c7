import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { Location } from './location.ts';
import { validateNetworkPolicy } from './network-policy.ts';

const denyAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all' }, spec: { podSelector: {} } };

describe('validateNetworkPolicy (as the recipe catalog calls it)', () => {
  it('takes a plain path string and prefixes errors with it', () => {
    expect(() => validateNetworkPolicy({ ...denyAll, spec: { podSelector: {}, egress: [{ to: [{}] }] } }, 'recipes/x.yaml: policies[2]', { defaultNamespace: 'x' }))
      .to.throw(InputError, /^recipes\/x\.yaml: policies\[2\]\.spec\.egress\[0\]\.to\[0\]: must specify a peer/);
  });

  it('takes a Location (file + path)', () => {
    expect(() => validateNetworkPolicy(denyAll, new Location('r.yaml', 'policies[0]'))).to.throw(
      InputError,
      'r.yaml: policies[0].metadata.namespace: required value',
    );
  });

  it('fills metadata.namespace from defaultNamespace and returns typed data without API defaults', () => {
    expect(validateNetworkPolicy(denyAll, 'p', { defaultNamespace: 'x' })).to.deep.equal({
      ...denyAll,
      metadata: { name: 'deny-all', namespace: 'x' },
    });
  });

  it('checks annotation keys and accepts labels and annotations', () => {
    const metadata = { name: 'a', namespace: 'x', labels: { team: 'net' }, annotations: { 'example.com/why': 'any text at all' } };
    expect(validateNetworkPolicy({ ...denyAll, metadata }, 'p').metadata).to.deep.equal(metadata);
    expect(() => validateNetworkPolicy({ ...denyAll, metadata: { ...metadata, annotations: { 'bad key': 'v' } } }, 'p')).to.throw(
      InputError,
      /^p\.metadata\.annotations\["bad key"\]: invalid annotation key/,
    );
  });

  it('keeps error messages on one line even when the value contains newlines', () => {
    expect(() => validateNetworkPolicy({ ...denyAll, kind: 'Network\nPolicy' }, 'p')).to.throw(InputError, 'p.kind: must be "NetworkPolicy", got "Network\\nPolicy"');
  });
});
