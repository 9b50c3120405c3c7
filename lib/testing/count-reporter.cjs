// Mocha reporter used by every test script: the usual spec output, plus (when
// NETPOL_TEST_COUNTS names a file) one JSON line of real pass/fail/skip counts appended to it,
// so .ci/run can print one "N passed, N failed, N skipped" line over several mocha runs.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.NETPOL_TEST_COUNTS;
    if (!file) return;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats ?? {};
      const line = { passed: s.passes ?? 0, failed: s.failures ?? 0, skipped: s.pending ?? 0 };
      fs.appendFileSync(file, JSON.stringify(line) + '\n');
    });
  }
}

module.exports = CountReporter;
