#!/usr/bin/env node
// The installed command: runs the built kit (npm links a bin only if this file exists at install time).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
