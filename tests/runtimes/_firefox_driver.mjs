// Node driver for headless Firefox ESR through puppeteer-core (WebDriver BiDi), run
// by tests/http/firefox_test.ts: argv[2] is JSON { firefox, npm, prefs, tasks:
// [{ url, username, password }] }; prints one JSON line: [{ status, text, error? }].
// Each task gets its own page, with page.authenticate for the credentials.
import { createRequire } from "node:module";

const { firefox, npm, prefs, tasks } = JSON.parse(process.argv[2]);
const require = createRequire(`${npm}/node_modules/`);
const puppeteer = require("puppeteer-core");

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: firefox,
  headless: true,
  extraPrefsFirefox: prefs,
});
const out = [];
try {
  for (const task of tasks) {
    const page = await browser.newPage();
    try {
      await page.authenticate({
        username: task.username,
        password: task.password,
      });
      const res = await page.goto(task.url);
      out.push({ status: res.status(), text: await res.text() });
    } catch (e) {
      out.push({ status: 0, text: "", error: String(e && e.stack || e) });
    } finally {
      await page.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
