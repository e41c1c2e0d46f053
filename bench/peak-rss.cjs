// Preloaded (node --require) into the reference script's process, so that the script runs as it is
// meant to, plain node in a process of its own, and still reports what the benchmark needs: at
// exit, its own seconds since the process started and its peak resident memory, as one JSON line
// in the file named by SQ_BENCH_REPORT. (A parent cannot read a finished child's peak memory from
// Node: process.resourceUsage() covers only the process that calls it.)
'use strict';
const { writeFileSync } = require('node:fs');

const reportFile = process.env.SQ_BENCH_REPORT;
if (reportFile) {
  process.on('exit', (code) => {
    const report = { seconds: performance.now() / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, code };
    writeFileSync(reportFile, `${JSON.stringify(report)}\n`);
  });
}
