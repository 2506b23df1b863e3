import { test, expect, type ConsoleMessage } from "@playwright/test";

/** Collects console errors and uncaught page errors; every test asserts there were none. */
function watchConsole(page: import("@playwright/test").Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg: ConsoleMessage) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

test("the status page shows the database and migrations, hydrates, and logs no errors", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/system/status");

  await expect(page.getByRole("heading", { level: 1, name: "System status" })).toBeVisible();
  await expect(page.getByTestId("database-version")).toContainText("PostgreSQL");
  const migrations = page.getByRole("table");
  await expect(migrations.getByRole("row", { name: /seed schema/ })).toBeVisible();
  await expect(migrations.getByRole("row", { name: /updated at triggers/ })).toBeVisible();

  // The button is disabled in the server's HTML and enabled only by hydration.
  const probe = page.getByRole("button", { name: "Measure round trip" });
  await expect(probe).toBeEnabled();
  await probe.click();
  await expect(page.getByRole("status")).toContainText(/Round trip \d+(\.\d+)? ms \(database \d+\.\d+ ms\)/);

  expect(problems).toEqual([]);
});

test("navigation reaches every module page without reloading, and unknown pages say so", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "One Aftersales Platform" })).toBeVisible();

  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Warranty Survey" }).click();
  await expect(page).toHaveURL(/\/modules\/warranty-survey$/);
  await expect(page.getByRole("heading", { level: 1, name: "Warranty Survey" })).toBeVisible();
  await expect(page.getByRole("note")).toContainText("coming soon");

  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();

  expect(problems.filter((p) => !p.includes("404"))).toEqual([]);
});
