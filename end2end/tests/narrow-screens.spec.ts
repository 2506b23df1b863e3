import { test, expect, type Page } from "@playwright/test";
import { enrolTotp, signIn, waitForHydration } from "./support";

/**
 * Dealer staff use phones and tablets. At phone width the navigation folds behind a "Menu" button
 * and no page scrolls sideways; on a laptop the permission grid scrolls in its own box, not the
 * page. A manufacturer admin of its own (made by `server create-admin` in scripts/test.sh), so this
 * file needs neither of the others, nor they it.
 */
test.describe.configure({ mode: "serial", timeout: 120_000 });

const ADMIN = process.env.OAP_E2E_NARROW_ADMIN_EMAIL ?? "e2e.narrow@oneaftersales.com";
const ADMIN_PASSWORD = process.env.OAP_E2E_NARROW_ADMIN_PASSWORD ?? "e2e-narrow-screens-admin-password";
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 768 };

/** The pages checked at phone width; `table`: the page lists rows in a table that must be on screen. */
const PHONE_PAGES = [
  { path: "/", table: false },
  { path: "/admin", table: false },
  { path: "/admin/users", table: true },
  { path: "/admin/dealers", table: false },
  { path: "/admin/permissions", table: true },
  { path: "/admin/audit", table: false },
  { path: "/account", table: false },
];

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: PHONE });
});

test.afterAll(async () => {
  await page.close();
});

/** Opens `path` as a signed-in user and waits until it is complete: hydrated, its heading shown. */
async function open(path: string) {
  await page.goto(path);
  await waitForHydration(page);
  expect(new URL(page.url()).pathname, "not sent elsewhere (signed out, refused)").toBe(path);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
}

/** Fails when the page is wider than the window, i.e. when it can be scrolled sideways. */
async function expectNoSidewaysScroll(what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `width of ${what} (window: ${innerWidth} px)`).toBeLessThanOrEqual(innerWidth);
}

/** The main navigation, its "Menu" button and one of its links. */
function navigation() {
  const nav = page.getByRole("navigation", { name: "Main" });
  return {
    nav,
    // Playwright gives <summary> no role (microsoft/playwright#26354), so the button is found by
    // its text, which is also its accessible name.
    menu: nav.getByText("Menu", { exact: true }),
    users: nav.getByRole("link", { name: "Users", exact: true }),
  };
}

test("an administrator signs in on a phone", async () => {
  await signIn(page, ADMIN, ADMIN_PASSWORD);
  await enrolTotp(page);
  await expect(navigation().nav).toBeVisible();
});

test("on a phone the navigation folds behind a Menu button that opens it", async () => {
  await open("/");
  const { menu, users } = navigation();
  await expect(menu).toBeVisible();
  await expect(users).toBeHidden();
  await menu.click();
  await expect(users).toBeVisible();
  await menu.click();
  await expect(users).toBeHidden();

  // From the keyboard too; a link followed from the open menu leaves it closed on the new page.
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(users).toBeVisible();
  await users.click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(users).toBeHidden();
  await expect(menu).toBeVisible();
});

for (const { path, table } of PHONE_PAGES) {
  test(`on a phone ${path} does not scroll sideways`, async () => {
    await open(path);
    if (table) await expect(page.getByRole("table").first()).toBeVisible();
    await expectNoSidewaysScroll(path);
  });
}

test("on a laptop the permission grid scrolls in its own box, and the navigation is open", async () => {
  await page.setViewportSize(LAPTOP);
  await open("/admin/permissions");
  await expect(page.getByRole("table").first()).toBeVisible();
  await expectNoSidewaysScroll("/admin/permissions");
  const { menu, users } = navigation();
  await expect(menu).toBeHidden();
  await expect(users).toBeVisible();
});
