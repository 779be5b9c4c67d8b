// Preloaded into compute worker processes by tests (node --require): loading a database driver
// there fails the process, which proves compute hosts never open a database connection.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/^(pg|pg-pool|typeorm)(\/|$)/.test(request)) {
    throw new Error(`compute worker loaded database module '${request}'`);
  }
  return load.call(this, request, ...rest);
};
