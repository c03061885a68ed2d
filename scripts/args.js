'use strict';
/** `--name value` from the command line of a project script, or `dflt` when it is absent. */
exports.option = (name, dflt) => {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
