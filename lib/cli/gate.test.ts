import { expect } from 'chai';
import { CancelledError, InfrastructureError, InputError, PrerequisiteError } from '../errors.ts';
import { sideFailure, sideRunArgs } from './gate.ts';

describe('gate', () => {
  it('gives each side the shared options and its own, the candidate defaulting to the baseline', () => {
    const values = {
      baseline: 'v3.30.1',
      'baseline-dataplane': 'nftables',
      'candidate-felix-setting': ['IptablesFilterDenyAction=REJECT'],
      'baseline-calico-resources': ['tier.yaml'],
      recipe: ['01,06'],
      catalog: 'mine/',
      reports: '-odd',
    };
    expect(sideRunArgs(values, 'baseline', 'r1234b')).to.deep.equal([
      '--recipe=01,06', '--catalog=mine/', '--reports=-odd', '--calico=v3.30.1', '--dataplane=nftables', '--calico-resources=tier.yaml', '--run-id=r1234b',
    ]);
    expect(sideRunArgs({ ...values, candidate: 'v3.31.0' }, 'candidate', 'r1234c')).to.deep.equal([
      '--recipe=01,06', '--catalog=mine/', '--reports=-odd', '--calico=v3.31.0', '--dataplane=nftables', '--felix-setting=IptablesFilterDenyAction=REJECT', '--run-id=r1234c',
    ]);
  });

  it('gives both sides the same --ip-family', () => {
    for (const side of ['baseline', 'candidate'] as const) {
      expect(sideRunArgs({ 'ip-family': 'ipv4', recipe: ['01'] }, side, `r1234${side[0]}`)).to.deep.equal(['--ip-family=ipv4', '--recipe=01', `--run-id=r1234${side[0]}`]);
    }
  });

  it('exits as the failed side did: 3 for a missing prerequisite, 2 bad input, 130 interrupted, else 4', () => {
    const failure = (code: number | undefined) => sideFailure('candidate', code, 'reports/r1c/report.json');
    expect(failure(3)).to.be.instanceOf(PrerequisiteError).and.have.property('exitCode', 3);
    expect(failure(2)).to.be.instanceOf(InputError).and.have.property('exitCode', 2);
    expect(failure(130)).to.be.instanceOf(CancelledError).and.have.property('exitCode', 130);
    expect(failure(4)).to.be.instanceOf(InfrastructureError).and.have.property('exitCode', 4);
    expect(failure(undefined)).to.be.instanceOf(InfrastructureError);
    expect(failure(0).message).to.equal('the candidate run exited 0 without a report (reports/r1c/report.json); see its output above');
  });
});
