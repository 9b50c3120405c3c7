import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { commaList, expectPositionals, numberOption, parseCommandLine } from './args.ts';

const options = {
  json: { type: 'boolean' },
  recipe: { type: 'string', multiple: true },
  calico: { type: 'string' },
} as const;

describe('parseCommandLine', () => {
  it('reads booleans, strings, repeatable strings and positionals, in both --x v and --x=v forms', () => {
    const parsed = parseCommandLine('recipes', ['--json', '--recipe', '01', 'file', '--recipe=02a,06', '--calico=v3.31.0'], options);
    expect(parsed).to.deep.equal({ values: { json: true, recipe: ['01', '02a,06'], calico: 'v3.31.0' }, positionals: ['file'], help: false });
    expect(parseCommandLine('recipes', ['--', '--json'], options).positionals).to.deep.equal(['--json']);
  });

  it('sees --help and -h as options, not as another option\'s value', () => {
    expect(parseCommandLine('recipes', ['--bogus', '--help'], options).help).to.equal(true);
    expect(parseCommandLine('recipes', ['-h'], options).help).to.equal(true);
    expect(() => parseCommandLine('recipes', ['--recipe', '--help'], options)).to.throw(
      InputError,
      '--recipe needs a value but is followed by "--help"; give --recipe=<value> for a value that starts with "-"',
    );
  });

  const refused: [string, string[], string][] = [
    ['an unknown option', ['--bogus'], 'unknown option "--bogus"; see `netpol-conformance recipes --help`'],
    ['an unknown short option', ['-x'], 'unknown option "-x"; see `netpol-conformance recipes --help`'],
    ['a boolean given a value', ['--json=banana'], '--json takes no value (got "banana"); give --json alone'],
    ['a boolean given "false"', ['--json=false'], '--json takes no value (got "false"); give --json alone'],
    ['a string without a value', ['--calico'], '--calico needs a value; see `netpol-conformance recipes --help`'],
    ['an empty value', ['--calico', ''], '--calico needs a value, got an empty one'],
    ['an empty inline value', ['--calico='], '--calico needs a value, got an empty one'],
    ['a negative number without =', ['--calico', '-1'], '--calico needs a value but is followed by "-1"; give --calico=<value> for a value that starts with "-"'],
    ['a non-repeatable option twice', ['--calico', 'a', '--calico', 'b'], '--calico is given more than once; give it once'],
  ];
  for (const [what, args, message] of refused) {
    it(`refuses ${what} with one line naming the option`, () => {
      expect(() => parseCommandLine('recipes', args, options)).to.throw(InputError, message);
    });
  }

  it('takes a value that starts with "-" when written with =', () => {
    expect(parseCommandLine('recipes', ['--calico=-1'], options).values.calico).to.equal('-1');
  });

  it('quotes at most an excerpt of a huge unknown option', () => {
    let message = '';
    try {
      parseCommandLine('recipes', [`--${'x'.repeat(100_000)}`], options);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/^unknown option "--x+"… \(100002 characters\); see/);
    expect(message.length).to.be.below(200);
  });
});

describe('expectPositionals, commaList, numberOption', () => {
  it('counts positionals and says what the command takes', () => {
    expect(() => expectPositionals('bench', ['bogus'], 0, 0, 'no arguments')).to.throw(InputError, 'unexpected argument "bogus": `netpol-conformance bench` takes options only; see --help');
    expect(() => expectPositionals('compare', ['a', 'b', 'c'], 2, 2, 'two report.json files')).to.throw(InputError, 'expected two report.json files, got 3 arguments');
    expect(() => expectPositionals('compare', ['a', 'b'], 2, 2, 'two report.json files')).to.not.throw();
  });

  it('splits repeatable comma-separated values and drops empty ones', () => {
    expect(commaList(['01', '02a, 06,', ''])).to.deep.equal(['01', '02a', '06']);
    expect(commaList(undefined)).to.deep.equal([]);
  });

  it('takes plain decimal numbers in range only', () => {
    expect(numberOption('--deadline', '1.5', { min: 0.1, max: 1440 })).to.equal(1.5);
    for (const bad of ['1e12', '0x10', 'abc', '', ' 2', '2000', '0', 'Infinity', 'NaN']) {
      expect(() => numberOption('--deadline', bad, { min: 0.1, max: 1440, unit: 'minutes' }), bad).to.throw(InputError, /^--deadline must be a number from 0\.1 to 1440 minutes, got /);
    }
  });
});
