// Drives the HTTP API's page (web/index.html) in Debian's headless Chromium
// through playwright-core (scripts/playwright, pinned): loads it, uploads a
// photo, asks for some mask types, waits for the masks and checks that each
// requested type is shown (its mask image decoded), then saves a screenshot.
//   node page_test.mjs PAGE_URL PHOTO OUT_DIR TYPE[,TYPE...]
// Prints "page ok: ..." and exits 0, or prints the problem and exits 1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require(join(process.env.MC_PLAYWRIGHT_DIR, "node_modules", "playwright-core"));

const [url, photo, outDir, typeList] = process.argv.slice(2);
const types = typeList.split(",");
const profile = mkdtempSync(join(tmpdir(), "mc-page-chromium-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url);
  await page.setInputFiles("#photo", photo);
  for (const box of await page.locator("input[name=mask_type]").all()) {
    const wanted = types.includes(await box.getAttribute("value"));
    if (wanted !== await box.isChecked()) await box.click();
  }
  await page.click("#send");
  // Done, or an error shown: either ends the wait.
  await page.waitForFunction(() => /^(Done|\d{3}:|Failed)/.test(document.getElementById("status").textContent),
                             null, { timeout: 180000 });
  const status = await page.textContent("#status");
  if (!status.startsWith("Done")) throw new Error(`the page says: ${status}`);
  for (const type of types) {
    const shown = await page.locator(`figure[data-mask-type="${type}"] img.mask`).evaluate(
        (image) => image.complete && image.naturalWidth === 768 && image.naturalHeight === 1024);
    if (!shown) throw new Error(`the ${type} mask is not shown`);
  }
  const figures = await page.locator("figure[data-mask-type]").count();
  if (figures !== types.length) throw new Error(`${figures} masks shown, ${types.length} asked for`);
  await page.screenshot({ path: join(outDir, "page.png"), fullPage: true });
  console.log(`page ok: ${types.join(", ")} shown; screenshot ${join(outDir, "page.png")}`);
} catch (error) {
  console.log(`page test failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
