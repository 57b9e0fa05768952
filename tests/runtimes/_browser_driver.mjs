// Node driver for headless Chromium through playwright-core (run by _tools.ts):
// argv[2] is JSON { chromium, npm, tasks: [{ url, httpCredentials?, ignoreHTTPSErrors?,
// waitForResult? }],
// launch?: { args?, env? } }; prints one JSON line: [{ status, text, result?, error? }].
import { createRequire } from "node:module";

const { chromium: exe, npm, tasks, launch = {} } = JSON.parse(process.argv[2]);
const require = createRequire(`${npm}/node_modules/`);
const { chromium } = require("playwright-core");

const browser = await chromium.launch({
  executablePath: exe,
  args: ["--no-sandbox", ...(launch.args ?? [])],
  env: { ...process.env, ...(launch.env ?? {}) },
});
const out = [];
try {
  for (const task of tasks) {
    const context = await browser.newContext({
      ...(task.httpCredentials
        ? { httpCredentials: task.httpCredentials }
        : {}),
      ...(task.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
    });
    try {
      const page = await context.newPage();
      const res = await page.goto(task.url);
      const r = { status: res.status(), text: await res.text() };
      if (task.waitForResult) {
        await page.waitForFunction(
          () => globalThis.__result !== undefined,
          null,
          {
            timeout: 15000,
          },
        );
        r.result = await page.evaluate(() => globalThis.__result);
      }
      out.push(r);
    } catch (e) {
      out.push({ status: 0, text: "", error: String(e && e.stack || e) });
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
