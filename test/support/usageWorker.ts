/**
 * One "container" for the cross-container limit test: admits `count` requests of one key against the usage
 * table, as fast as it can, and prints each answer with the time it was asked at. Run as a child process, so each
 * worker has its own module state, SDK client and connections, as separate Lambda containers would.
 */
import { admitUsage } from '../../core/auth/usage.js';

const [table, id, rate, quota, count] = process.argv.slice(2);
const answers: Array<{ at: number; allowed: boolean; reason?: string }> = [];
for (let i = 0; i < Number(count); i++) {
  const at = Date.now();
  const a = await admitUsage(table!, { id: id!, rateLimit: Number(rate), ...(quota !== '-' ? { dailyQuota: Number(quota) } : {}) }, at);
  answers.push(a.allowed ? { at, allowed: true } : { at, allowed: false, reason: a.reason });
}
process.stdout.write(JSON.stringify(answers));
