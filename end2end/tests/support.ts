import { createHmac } from "node:crypto";
import { expect, type Page } from "@playwright/test";

/** The super admin the end-to-end server creates on first start (scripts/test.sh sets the password). */
export const ADMIN_EMAIL = "superadmin@oneaftersales.com";
export const ADMIN_PASSWORD = process.env.OAP_SUPERADMIN_PASSWORD ?? "e2e-super-admin-password";

function base32Decode(input: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of input.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for time step `step`, as an authenticator app computes it. */
export function totp(secretBase32: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, "0");
}

let lastStep = 0;

/**
 * A code the server has not accepted before: the server refuses a time step it has already seen,
 * so when the current step was used, wait for the next one (at most 30 s).
 */
export async function freshCode(secret: string): Promise<string> {
  for (;;) {
    const step = Math.floor(Date.now() / 1000 / 30);
    if (step > lastStep) {
      lastStep = step;
      return totp(secret, step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Signs in through the form (on the sign-in page already open, or a fresh one); stops at whatever comes next. */
export async function signIn(page: Page, email: string, password: string, { stay = false } = {}) {
  if (!stay) await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs out with the header button and waits for the sign-in page. */
export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Waits until the whole page runs in the browser (lazy routes included): the WASM entry point marks
 * `<html data-hydrated="true">` once hydration has finished. */
export async function waitForHydration(page: Page) {
  await page.locator('html[data-hydrated="true"]').waitFor({ state: "attached" });
}

/**
 * Enrols an authenticator app on the two-factor page a first sign-in of an administrator lands
 * on, and continues to the app. Answers the TOTP secret, for signing in again with
 * `freshCode(secret)`.
 */
export async function enrolTotp(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/account\/mfa/);
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel("Code from the app").fill(await freshCode(secret));
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByRole("link", { name: "Continue" }).click();
  return secret;
}

/**
 * The link to `path` in the newest mail of the development mailbox (`/dev/mailbox`) that mentions
 * every text in `mentions` (a recipient, a subject), as the path and query to give `page.goto`:
 * the mail says the server's public address, which need not be the one the tests reach it on.
 * The mail worker delivers every 2 s, so until the mail is there this looks again (up to 20 s).
 */
export async function mailedLink(
  page: Page,
  mentions: (string | RegExp)[],
  path = "/password/reset",
): Promise<string> {
  let link = "";
  await expect(async () => {
    await page.goto("/dev/mailbox");
    let mail = page.getByRole("article");
    for (const text of mentions) mail = mail.filter({ hasText: text });
    mail = mail.first();
    await expect(mail).toBeVisible({ timeout: 2_000 });
    const text = await mail.innerText({ timeout: 2_000 });
    const url = (text.match(/https?:\/\/\S+/g) ?? []).map((u) => new URL(u)).find((u) => u.pathname === path);
    expect(url, `a link to ${path} in the mail`).toBeDefined();
    link = url ? url.pathname + url.search : "";
  }).toPass({ timeout: 20_000 });
  return link;
}

/** A dealer and its service head, as the end-to-end journeys set them up. */
export type Dealer = { code: string; name: string; head: string; email: string };

/**
 * `admin` (signed in, with the administration screens) creates dealer `d` and invites its service
 * head, who sets `password` from the mailed link on `page` and signs in there.
 */
export async function setUpDealer(admin: Page, d: Dealer, page: Page, password: string) {
  await admin.goto("/admin/dealers/new");
  await waitForHydration(admin);
  await admin.getByLabel("Dealer code").fill(d.code);
  await admin.getByLabel("Dealer name").fill(d.name);
  await admin.getByLabel("Brand").selectOption("Skoda");
  await admin.getByRole("button", { name: "Create dealer" }).click();
  await expect(admin.getByText("Dealer created.")).toBeVisible();

  await admin.goto("/admin/users/new");
  await waitForHydration(admin);
  await admin.getByLabel("Name").fill(d.head);
  await admin.getByLabel("Email").fill(d.email);
  await admin.getByLabel("Role").selectOption("service_head");
  await admin.getByLabel("User type").selectOption("dealer");
  await admin.getByLabel("Dealer", { exact: true }).selectOption({ label: `${d.code} – ${d.name}` });
  await admin.getByRole("button", { name: "Create and send invitation" }).click();
  await expect(admin.getByText(/User created\. An invitation/)).toBeVisible();

  await page.goto(await mailedLink(page, [d.email]));
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("New password again").fill(password);
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();
  await signIn(page, d.email, password);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}
