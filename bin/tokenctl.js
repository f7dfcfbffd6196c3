#!/usr/bin/env node
// CommonJS, like dist/ (see scripts/build.mjs): Node's ES module loader would add ~10 ms to every start.
'use strict';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before anything else is loaded.
  const line = `${require('../package.json').version}\n`;
  try {
    // A direct write: process.stdout would first build a stream (and load net or tty) for 6 bytes.
    require('node:fs').writeSync(1, line);
  } catch (error) {
    // A closed pipe is the reader's choice; a non-blocking stdout takes the stream's way.
    if (error.code === 'EAGAIN') process.stdout.write(line);
    else if (error.code !== 'EPIPE') throw error;
  }
} else {
  // dist/ loaded from the packs and the code cache the build made of it (src/code-cache.ts).
  const { loadDist } = require('../dist/code-cache.js');
  loadDist(require('node:path').join(__dirname, '..', 'dist'), module.constructor, 'main.js').run(argv);
}
