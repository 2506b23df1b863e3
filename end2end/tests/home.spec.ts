import { test, expect, type Page } from "@playwright/test";
import { enrolTotp, setUpDealer, signIn, waitForHydration } from "./support";

/**
 * Each kind of user lands on a home page that tells them what needs them. An administrator of its
 * own (made by `server create-admin` in scripts/test.sh) sees the network's figures, drawn as SVG
 * charts with their numbers as tables, and the approval queue by age; the service head of a
 * dealer it sets up sees their to-dos (a draft they started), their scores against the network's
 * and none of the network's figures.
 */
test.describe.configure({ mode: "serial", timeout: 180_000 });

const ADMIN = process.env.OAP_E2E_HOME_ADMIN_EMAIL ?? "e2e.home@oneaftersales.com";
const ADMIN_PASSWORD = process.env.OAP_E2E_HOME_ADMIN_PASSWORD ?? "e2e-home-admin-password";
const DEALER = {
  code: "HOME-01",
  name: "Home Motors",
  head: "Hema Head",
  email: "hema.head@home-motors.example",
};

let admin: Page;
let dealer: Page;
const problems: string[] = [];

test.beforeAll(async ({ browser }) => {
  admin = await browser.newPage();
  dealer = await browser.newPage();
  for (const page of [admin, dealer]) {
    page.on("pageerror", (e) => problems.push(e.message));
  }
});

test.afterAll(async () => {
  await admin.close();
  await dealer.close();
});

async function home(page: Page) {
  await page.goto("/");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
}

test("an administrator lands on the network's figures and the queue by age", async () => {
  await signIn(admin, ADMIN, ADMIN_PASSWORD);
  await enrolTotp(admin);
  await home(admin);
  await expect(admin.getByRole("heading", { level: 2, name: "The network", exact: true })).toBeVisible();
  await expect(admin.getByRole("heading", { level: 2, name: "Your queue", exact: true })).toBeVisible();
  await expect(admin.getByText(/past the target/).first()).toBeVisible();

  // A chart is a figure with a caption, a picture named like it, and its numbers as a table.
  const months = admin.locator("figure").filter({ hasText: "Submissions per month" });
  await expect(months.getByRole("img", { name: "Submissions per month" })).toBeVisible();
  await months.getByText("The numbers").click();
  const table = months.getByRole("table");
  await expect(table).toBeVisible();
  expect(await table.getByRole("row").count()).toBeGreaterThanOrEqual(13);

  // The range travels in the URL, so a view of the figures can be bookmarked.
  await admin.getByLabel("From").fill("2026-01-01");
  await admin.getByLabel("To").fill("2026-03-31");
  await admin.getByRole("button", { name: "Show" }).click();
  await expect(admin).toHaveURL(/from=2026-01-01&to=2026-03-31/);
  await months.getByText("The numbers").click();
  await expect(months.getByRole("row")).toHaveCount(4);
  // No dealer's to-dos for manufacturer staff.
  await expect(admin.getByRole("heading", { name: /Needs you now/ })).toHaveCount(0);
});

test("a dealer's service head lands on what needs them, and nothing of the network's", async () => {
  await setUpDealer(admin, DEALER, dealer, "home-motors-head-password-1");
  await home(dealer);
  await expect(dealer.getByRole("heading", { level: 2, name: /Needs you now/ })).toBeVisible();
  await expect(dealer.getByRole("heading", { level: 2, name: "The network", exact: true })).toHaveCount(0);
  await expect(dealer.getByRole("heading", { level: 2, name: "Your queue", exact: true })).toHaveCount(0);
  const scores = dealer.getByRole("region", { name: "Your scores and the network's" });
  await expect(scores.getByRole("row")).toHaveCount(4);

  // A draft they start is on their list, and leads back to it.
  await dealer.goto("/modules/pcc");
  await waitForHydration(dealer);
  await dealer.getByRole("button", { name: "New application" }).click();
  await expect(dealer).toHaveURL(/\/modules\/pcc\/[0-9a-f-]{36}$/);
  const draft = dealer.url();
  await home(dealer);
  const todo = dealer.getByRole("link", { name: "Your PCC application is a draft: complete it and submit it." });
  await expect(todo).toBeVisible();
  await todo.click();
  await expect(dealer).toHaveURL(draft);
  expect(problems).toEqual([]);
});
