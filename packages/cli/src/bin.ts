#!/usr/bin/env node
import { runCli } from './run-cli.js';
import { shardChildIo } from './shard-child.js';

process.exitCode = await runCli(process.argv.slice(2), shardChildIo());
