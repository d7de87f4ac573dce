#!/usr/bin/env node
'use strict';
// The launcher: the compiled CLI does everything, in this one process.
require('../dist/src/cli.js').main(process.argv);
