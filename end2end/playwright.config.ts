import { defineConfig } from "@playwright/test";

// The app under test: OAP_BASE_URL when given (an already running instance); otherwise the server
// built by `cargo leptos build`, started here on its own port against the DATABASE_URL in the
// environment, and awaited through /readyz.
const external = process.env.OAP_BASE_URL;
const addr = process.env.OAP_E2E_ADDR ?? "127.0.0.1:3100";
const baseURL = external ?? `http://${addr}`;

// Debian's Chromium, never a downloaded browser. The flags keep it from reaching for the network,
// which this machine does not have.
export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: external
    ? undefined
    : {
        command: "target/debug/server serve",
        cwd: "..",
        url: `${baseURL}/readyz`,
        reuseExistingServer: false,
        timeout: 120_000,
        stdout: "pipe",
        stderr: "pipe",
        env: {
          LEPTOS_OUTPUT_NAME: "one-aftersales",
          // The dev bundle `make test` builds for these tests (target/site is the release site).
          LEPTOS_SITE_ROOT: "target/site-e2e",
          LEPTOS_SITE_PKG_DIR: "pkg",
          LEPTOS_SITE_ADDR: addr,
          LEPTOS_RELOAD_PORT: "3101",
          OAP_DEV_MAILBOX: "true",
        },
      },
});
