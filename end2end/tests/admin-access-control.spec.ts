import { test, expect, type Page } from "@playwright/test";
import { enrolTotp, mailedLink, signIn, signOut, waitForHydration } from "./support";

/**
 * A manufacturer admin (made by `server create-admin` in scripts/test.sh) creates a dealer and a
 * dealer user, grants a permission in the grid, and sees a refused change spring back; the new
 * user accepts the invitation and finds exactly their modules in the navigation.
 */
test.describe.configure({ mode: "serial", timeout: 120_000 });

const ADMIN = process.env.OAP_E2E_ADMIN_EMAIL ?? "e2e.admin@oneaftersales.com";
const ADMIN_PASSWORD = process.env.OAP_E2E_ADMIN_PASSWORD ?? "e2e-manufacturer-admin-password";
const DEALER_CODE = "E2E-001";
const NEW_USER = "Mira Mechanic";
const NEW_EMAIL = "mira@e2e-dealer.example";

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page.close();
});

test("the manufacturer admin signs in and enrols two-factor authentication", async () => {
  await signIn(page, ADMIN, ADMIN_PASSWORD);
  await enrolTotp(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);
});

test("the admin creates a dealer", async () => {
  await page.goto("/admin/dealers/new");
  await waitForHydration(page);
  await page.getByLabel("Dealer code").fill(DEALER_CODE);
  await page.getByLabel("Dealer name").fill("End-to-End Motors");
  await page.getByLabel("Brand").selectOption("Skoda");
  await page.getByLabel("Phone").fill("12");
  await page.getByRole("button", { name: "Create dealer" }).click();
  await expect(page.getByText(/Enter a phone number of 7 to 15 digits/)).toBeVisible();
  await page.getByLabel("Phone").fill("+91 22 5555 0100");
  await page.getByRole("button", { name: "Create dealer" }).click();
  await expect(page.getByText("Dealer created.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(DEALER_CODE);
});

test("the admin creates a dealer user, who gets an invitation", async () => {
  await page.goto("/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Name").fill(NEW_USER);
  await page.getByLabel("Email").fill(NEW_EMAIL);
  await page.getByLabel("Role").selectOption("master_technician");
  await page.getByLabel("User type").selectOption("dealer");
  await page.getByRole("button", { name: "Create and send invitation" }).click();
  await expect(page.getByText("Dealer roles belong to a dealer: choose one.")).toBeVisible();
  await page.getByLabel("Dealer", { exact: true }).selectOption({ label: `${DEALER_CODE} – End-to-End Motors` });
  await page.getByRole("button", { name: "Create and send invitation" }).click();
  await expect(page.getByText(/User created\. An invitation/)).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: NEW_USER })).toBeVisible();
});

test("the users list's dealer filter suggests dealers as you type and finds the new user", async () => {
  await page.goto("/admin/users");
  await waitForHydration(page);
  const dealer = page.getByLabel("Dealer", { exact: true });
  // The page carries no list of dealers; typing part of a code fetches suggestions.
  await expect(page.locator("#dealer-suggestions option")).toHaveCount(0);
  await dealer.fill("e2e-0");
  await expect(page.locator(`#dealer-suggestions option[value="${DEALER_CODE}"]`)).toHaveCount(1);
  await dealer.fill(DEALER_CODE);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`dealer=${DEALER_CODE}`));
  await expect(page.getByRole("cell", { name: NEW_EMAIL })).toBeVisible();
  await expect(page.getByText("1 user matches.")).toBeVisible();
});

test("a permission toggled in the grid is saved at once; a refused one springs back", async () => {
  await page.goto(`/admin/permissions?q=${encodeURIComponent(NEW_EMAIL)}`);
  const pcc = page.getByRole("checkbox", { name: `${NEW_USER}: Performance Center Program – View` });
  await expect(pcc).not.toBeChecked();
  await expect(pcc).toBeEnabled();
  await pcc.check();
  await expect(pcc).toBeChecked();
  await expect(pcc).not.toHaveAttribute("aria-busy", "true");
  await page.reload();
  await expect(page.getByRole("checkbox", { name: `${NEW_USER}: Performance Center Program – View` })).toBeChecked();

  // A manufacturer admin does not even see super admins' accounts.
  await page.goto("/admin/permissions?q=superadmin");
  await waitForHydration(page);
  await expect(page.getByRole("checkbox", { name: /^Super Administrator:/ })).toHaveCount(0);

  // Nobody grants what they do not hold: the admin gives up their own Warranty Survey approval,
  // then cannot hand it out; the box goes back and the reason shows.
  await page.goto(`/admin/permissions?q=${encodeURIComponent(ADMIN)}`);
  const own = page.getByRole("checkbox", { name: "E2E Admin: Warranty Survey – Approve" });
  await expect(own).toBeEnabled();
  await own.uncheck();
  await expect(own).not.toBeChecked();
  await expect(own).not.toHaveAttribute("aria-busy", "true");
  await page.goto(`/admin/permissions?q=${encodeURIComponent(NEW_EMAIL)}`);
  const theirs = page.getByRole("checkbox", { name: `${NEW_USER}: Warranty Survey – Approve` });
  await expect(theirs).toBeEnabled();
  await expect(theirs).not.toBeChecked();
  await theirs.click();
  await expect(page.getByRole("status").filter({ hasText: "Not saved" })).toContainText("do not hold");
  await expect(theirs).not.toBeChecked();
});

test("the new user accepts the invitation and sees exactly their modules", async () => {
  await signOut(page);
  await page.goto(await mailedLink(page, [NEW_EMAIL]));
  const password = "copper lantern drift yodel";
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("New password again").fill(password);
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();

  await signIn(page, NEW_EMAIL, password);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeVisible();
  // Granted in the grid, and the master technician template's three modules.
  for (const name of ["Performance Center Program", "API Registrations", "MT Meets", "Technical Awareness Survey"]) {
    await expect(nav.getByRole("link", { name })).toBeVisible();
  }
  for (const name of ["Warranty Survey", "Workshop System Survey", "Users", "Dealers"]) {
    await expect(nav.getByRole("link", { name })).toHaveCount(0);
  }
  // A module outside their permissions says why, and the admin screens refuse them.
  await page.goto("/modules/warranty-survey");
  await expect(page.getByRole("alert")).toContainText("You do not have access to this module.");
  await page.goto("/admin/users");
  await expect(page.getByRole("alert")).toContainText("Only super admins and manufacturer admins administer users.");
});
