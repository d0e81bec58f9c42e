require("./test/defer-typescript.cjs");
global.describe = () => {}; global.it = () => {}; global.before = global.after = global.beforeEach = global.afterEach = () => {};
describe.skip = it.skip = describe; describe.only = it.only = describe;
const fs = require("fs");
const c0 = process.cpuUsage();
require("./test/harness.ts");
const c1 = process.cpuUsage(c0); console.log("harness", (c1.user + c1.system) / 1000 | 0);
const rows = [];
for (const f of fs.readdirSync("test").filter((f) => f.endsWith(".test.ts"))) {
  const t = process.cpuUsage(); const n = Object.keys(require.cache).length;
  require("./test/" + f);
  const c = process.cpuUsage(t); rows.push([(c.user + c.system) / 1000 | 0, Object.keys(require.cache).length - n, f]);
}
rows.sort((a, b) => b[0] - a[0]); for (const r of rows.slice(0, 15)) console.log(r.join(" "));
const all = process.cpuUsage(c0); console.log("total", (all.user + all.system) / 1000 | 0, "ms", Object.keys(require.cache).length, "modules");
process.exit(0);
