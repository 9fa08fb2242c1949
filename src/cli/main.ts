#!/usr/bin/env node
/** The `loadnet` bin (package.json "bin"): runs the CLI (cli.ts) and exits with its code. */
import { main } from './cli.js';

const code = await main(process.argv.slice(2));
// Let stdout/stderr drain (they are asynchronous pipes) before leaving; open handles must not keep us alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
