#!/usr/bin/env node
/** `node dist/src/node/bin.js --config <file>`: the devnet node as a process (same as `loadnet node`). */
import { reportFatal, runNodeProcess } from './process.js';

runNodeProcess(process.argv.slice(2)).catch((e) => {
  process.exitCode = reportFatal(e);
  process.exit();
});
