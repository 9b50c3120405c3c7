// Runs `netpol-conformance expect <args>` in this process (stdout as the parent set it up), then
// reports this process's peak memory and CPU time on stderr as one JSON line for lib/bench/expect.ts.
import { main } from '../cli/main.ts';

const code = await main(['expect', ...process.argv.slice(2)]);
const usage = process.resourceUsage();
process.stderr.write(`${JSON.stringify({ code, maxRssKiB: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 })}\n`);
process.exitCode = code;
