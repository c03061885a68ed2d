#!/usr/bin/env node
'use strict';
// Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or input error, 3 an unexpected error (a bug).
const cli = require('../dist/cli/main.js');
let crashed = false;
const crash = (e) => {
  const code = cli.reportCrash(e);
  crashed = true;
  process.exitCode = code;
  // Whatever was still running (a read, a timer) must not carry on after a crash.
  setImmediate(() => process.exit(code));
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
cli.main(process.argv).then((code) => { if (!crashed) process.exitCode = code; }, crash);
