import { defineConfig } from "@playwright/test";

// The app, PostgreSQL, S3 and SMTP servers are started by .ci/test.sh, which passes
// GATEHOUSE_E2E_BASE_URL and GATEHOUSE_E2E_MAILDIR. The browser is Debian's Chromium.
const baseURL = process.env.GATEHOUSE_E2E_BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "js", use: { javaScriptEnabled: true }, grepInvert: /@nojs-only/ },
    // Forms must work before (and without) hydration.
    { name: "nojs", use: { javaScriptEnabled: false }, grepInvert: /@js-only/ },
  ],
});
