import { test, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { enrolTotp, setUpDealer, signIn, waitForHydration } from "./support";

/**
 * A super admin (made by `server create-admin` in scripts/test.sh) publishes version 2 of the
 * workshop survey with a new question and opens a period; a dealer's service head fills the
 * survey on a phone-width screen, reloads in the middle (the draft saved itself), finishes and
 * sees the server's score; the super admin, as reviewer, marks it reviewed.
 */
test.describe.configure({ mode: "serial", timeout: 240_000 });

const ADMIN = process.env.OAP_E2E_SURVEYS_ADMIN_EMAIL ?? "e2e.surveys@oneaftersales.com";
const ADMIN_PASSWORD = process.env.OAP_E2E_SURVEYS_ADMIN_PASSWORD ?? "e2e-surveys-super-admin-password";
const PASSWORD = "amber harbour violin summit";
const DEALER = { code: "SRV-A", name: "Sierra Autos", head: "Sunil Rao", email: "sunil@srv-a.example" };
const NEW_QUESTION = "Is a courtesy car offered to customers who wait for a repair?";
const SURVEY = "/modules/workshop-survey";

let contexts: BrowserContext[] = [];
let admin: Page;
let dealer: Page;
let responseUrl = "";
const problems: string[] = [];

async function open(browser: Browser, who: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`${who}: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.push(`${who}: ${msg.text()}`);
    }
  });
  return page;
}

/** Answers every question shown and unanswered, with the keyboard where it can; `limit` stops early. */
async function answerShown(page: Page, limit = Infinity): Promise<number> {
  let answered = 0;
  for (let pass = 0; pass < 6 && answered < limit; pass++) {
    let progress = false;
    const questions = page.locator("form.survey-form .question:visible");
    const n = await questions.count();
    for (let i = 0; i < n && answered < limit; i++) {
      const q = questions.nth(i);
      const radios = q.locator('input[type="radio"]');
      const boxes = q.locator('input[type="checkbox"]');
      const number = q.locator('input[type="number"]');
      const text = q.locator('input[type="text"], textarea');
      if ((await radios.count()) > 0) {
        if ((await q.locator('input[type="radio"]:checked').count()) > 0) continue;
        // Keyboard: focus the group and choose with the arrow keys (selects the second option).
        await radios.first().focus();
        await page.keyboard.press("ArrowDown");
      } else if ((await boxes.count()) > 0) {
        if ((await q.locator('input[type="checkbox"]:checked').count()) > 0) continue;
        await boxes.first().focus();
        await page.keyboard.press("Space");
      } else if ((await number.count()) > 0) {
        if ((await number.inputValue()) !== "") continue;
        await number.fill((await number.getAttribute("min")) ?? "0");
      } else if ((await text.count()) > 0) {
        if ((await text.first().inputValue()) !== "") continue;
        await text.first().fill("All in order.");
      } else {
        continue;
      }
      answered++;
      progress = true;
    }
    if (!progress) break;
  }
  return answered;
}

test.beforeAll(async ({ browser }) => {
  admin = await open(browser, "admin");
  dealer = await open(browser, "dealer", 390);
});

test.afterAll(async () => {
  for (const c of contexts) await c.close();
});

test("a super admin publishes version 2 with a new question and opens a period", async () => {
  await signIn(admin, ADMIN, ADMIN_PASSWORD);
  await enrolTotp(admin);
  await setUpDealer(admin, DEALER, dealer, PASSWORD);

  await admin.goto(`${SURVEY}/forms`);
  await waitForHydration(admin);
  await expect(admin.getByRole("row", { name: /Version 1.*Published/ })).toBeVisible();
  await admin.getByRole("button", { name: "Edit the form (new version)" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: /version 2 \(draft\)/ })).toBeVisible();
  await waitForHydration(admin);
  await admin.getByRole("button", { name: "Add a question" }).first().click();
  // Added at the end of the first section.
  const added = admin.locator("section.section-editor").first().locator("fieldset.question-editor").last();
  await expect(added).toContainText("New question");
  await added.getByLabel("Question id").fill("courtesy_car");
  await added.getByLabel("Question", { exact: true }).fill(NEW_QUESTION);
  await added.getByLabel("Kind").selectOption("yes_no");
  // A broken id is refused where it is, and keeps the form from being published.
  await added.getByLabel("Question id").fill("Courtesy Car");
  await expect(added.getByText(/Question id: use 1 to 40 lowercase letters/)).toBeVisible();
  await expect(admin.getByRole("button", { name: "Publish" })).toBeDisabled();
  await added.getByLabel("Question id").fill("courtesy_car");
  await expect(admin.getByText("The form can be published.")).toBeVisible();
  // The preview is the dealers' form, answerable, with its score.
  await admin.getByRole("button", { name: "Preview" }).click();
  await expect(admin.getByRole("group", { name: new RegExp(NEW_QUESTION.replace("?", "\\?")) })).toBeVisible();
  await admin.getByRole("button", { name: "Back to the editor" }).click();
  await admin.getByRole("button", { name: "Publish" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: /version 2 \(published\)/ })).toBeVisible();

  await admin.goto(`${SURVEY}/periods`);
  await waitForHydration(admin);
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  await admin.getByLabel("Name (e.g. Q1 2026)").fill("Q4 2026");
  await admin.getByLabel("First day").fill(day(-1));
  await admin.getByLabel("Last day").fill(day(-2));
  await admin.getByRole("button", { name: "Open the period" }).click();
  await expect(admin.getByText("The period ends on or after its first day.")).toBeVisible();
  await admin.getByLabel("Last day").fill(day(20));
  await admin.getByRole("button", { name: "Open the period" }).click();
  await expect(admin.getByRole("link", { name: "Q4 2026" })).toBeVisible();
});

test("the dealer fills the survey, reloads in the middle, finishes and sees the score", async () => {
  await dealer.goto(SURVEY);
  await waitForHydration(dealer);
  await dealer.getByRole("button", { name: "Start the survey" }).click();
  await expect(dealer.getByRole("heading", { level: 1, name: /WSS-\d{4}-\d{6}/ })).toBeVisible();
  await waitForHydration(dealer);
  responseUrl = new URL(dealer.url()).pathname;
  await expect(dealer.getByRole("group", { name: new RegExp(NEW_QUESTION.replace("?", "\\?")) })).toBeVisible();

  // A number out of bounds is flagged at once, and nothing is saved until it is right.
  const percent = dealer.locator('.question input[type="number"][max="100"]').first();
  await percent.fill("250");
  await expect(dealer.getByText(/Enter a whole number from 0 to 100/).first()).toBeVisible();
  await percent.fill("");

  await answerShown(dealer, 5);
  await expect(dealer.getByRole("status").filter({ hasText: /^Saved / })).toBeVisible({ timeout: 10_000 });
  const before = await dealer.locator(".survey-bar .stat-inline").textContent();
  await dealer.reload();
  await waitForHydration(dealer);
  await expect(dealer.locator('.question input:checked')).not.toHaveCount(0);
  await expect(dealer.locator(".survey-bar .stat-inline")).toHaveText(before ?? "");

  await answerShown(dealer);
  await expect(dealer.getByText(/(\d+) of \1 required questions answered/)).toBeVisible();
  const live = (await dealer.locator(".survey-bar .stat-inline").textContent())?.trim();
  // Nothing sideways on a phone.
  const overflow = await dealer.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await dealer.getByRole("button", { name: "Submit survey" }).click();
  await expect(dealer.getByRole("heading", { level: 1, name: /Submitted/ })).toBeVisible();
  // The server's score is the one shown live while filling.
  await expect(dealer.locator(".facts .stat")).toHaveText(live ?? "");
  await expect(dealer.getByText(NEW_QUESTION)).toBeVisible();
});

test("the reviewer marks it reviewed, and the dealer sees the comment", async () => {
  await admin.goto("/queue");
  await waitForHydration(admin);
  await admin.getByRole("link", { name: /WSS-\d{4}-\d{6}/ }).first().click();
  await waitForHydration(admin);
  await admin.getByRole("button", { name: "Mark reviewed" }).click();
  await admin.getByLabel(/^Comment/).fill("short");
  await admin.getByRole("button", { name: "Mark reviewed" }).last().click();
  await expect(admin.getByText(/Say why in at least 10 characters/)).toBeVisible();
  await admin.getByLabel(/^Comment/).fill("Tooling answers checked during the visit.");
  await admin.getByRole("button", { name: "Mark reviewed" }).last().click();
  await expect(admin.getByRole("heading", { level: 1, name: /Reviewed/ })).toBeVisible();
  await expect(admin.getByRole("button", { name: "Complete" })).toBeVisible();

  await dealer.goto(responseUrl);
  await expect(dealer.getByText("Tooling answers checked during the visit.").first()).toBeVisible();
  expect(problems).toEqual([]);
});
