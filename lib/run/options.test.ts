import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { parseRunArgs } from '../cli/run.ts';
import { defaultRunOptions, runOptionsFromEnv, runOptionsToEnv, validateRunOptions } from './options.ts';

describe('run options', () => {
  it('parses repeatable recipes and felix settings', () => {
    const options = parseRunArgs(['--recipe', '01', '--recipe=02a,06', '--felix-setting', 'IptablesFilterDenyAction=REJECT', '--dataplane', 'nftables']);
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

  it('rejects malformed flags', () => {
    expect(() => parseRunArgs(['--felix-setting', 'nonsense'])).to.throw(InputError, /must be Field=value/);
    expect(() => parseRunArgs(['--run-id', 'Bad_Id'])).to.throw(InputError, /--run-id/);
    expect(() => parseRunArgs(['--bogus'])).to.throw(InputError, /unknown option --bogus/);
  });

  it('round-trips through the environment the specs read', () => {
    const options = { ...defaultRunOptions(), recipes: ['03'], connectSeconds: 3 };
    expect(runOptionsFromEnv(runOptionsToEnv(options))).to.deep.equal(options);
  });
});
