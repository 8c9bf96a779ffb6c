// Loaded with `node --import` when GNU time is not installed: writes the process's peak RSS (KiB)
// to $BENCH_RSS_FILE when it exits, process.exit() included.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // A missing figure shows as "n/a"; it must never change the exit of the measured process.
    }
  });
}
