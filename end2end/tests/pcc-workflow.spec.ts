import { test, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { enrolTotp, mailedLink, signIn, waitForHydration } from "./support";

/**
 * Two people at once, in two browser contexts: a dealer's service head applies for the
 * Performance Center Program and a manufacturer reviewer (made by `server create-admin` in
 * scripts/test.sh) decides. Neither reloads to see the other's moves: the queue, the bell and the
 * record page follow live.
 */
test.describe.configure({ mode: "serial", timeout: 180_000 });

const REVIEWER = process.env.OAP_E2E_PCC_ADMIN_EMAIL ?? "e2e.pcc@oneaftersales.com";
const REVIEWER_PASSWORD = process.env.OAP_E2E_PCC_ADMIN_PASSWORD ?? "e2e-pcc-reviewer-password";
const DEALER_CODE = "PCC-E2E";
const DEALER_NAME = "Live Update Motors";
const HEAD = "Priya Patel";
const HEAD_EMAIL = "priya@pcc-e2e.example";
const HEAD_PASSWORD = "amber falcon quarry whistle";

let reviewerContext: BrowserContext;
let dealerContext: BrowserContext;
let reviewer: Page;
let dealer: Page;
const problems: string[] = [];

async function open(browser: Browser, who: string): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`${who}: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.push(`${who}: ${msg.text()}`);
    }
  });
  return [context, page];
}

test.beforeAll(async ({ browser }) => {
  [reviewerContext, reviewer] = await open(browser, "reviewer");
  [dealerContext, dealer] = await open(browser, "dealer");
});

test.afterAll(async () => {
  await reviewerContext.close();
  await dealerContext.close();
});

test("the reviewer sets up a dealer and its service head", async () => {
  await signIn(reviewer, REVIEWER, REVIEWER_PASSWORD);
  await enrolTotp(reviewer);
  await reviewer.goto("/admin/dealers/new");
  await waitForHydration(reviewer);
  await reviewer.getByLabel("Dealer code").fill(DEALER_CODE);
  await reviewer.getByLabel("Dealer name").fill(DEALER_NAME);
  await reviewer.getByLabel("Brand").selectOption("Skoda");
  await reviewer.getByRole("button", { name: "Create dealer" }).click();
  await expect(reviewer.getByText("Dealer created.")).toBeVisible();

  await reviewer.goto("/admin/users/new");
  await waitForHydration(reviewer);
  await reviewer.getByLabel("Name").fill(HEAD);
  await reviewer.getByLabel("Email").fill(HEAD_EMAIL);
  await reviewer.getByLabel("Role").selectOption("service_head");
  await reviewer.getByLabel("User type").selectOption("dealer");
  await reviewer.getByLabel("Dealer", { exact: true }).selectOption({ label: `${DEALER_CODE} – ${DEALER_NAME}` });
  await reviewer.getByRole("button", { name: "Create and send invitation" }).click();
  await expect(reviewer.getByText(/User created\. An invitation/)).toBeVisible();

  await dealer.goto(await mailedLink(dealer, [HEAD_EMAIL]));
  await dealer.getByLabel("New password", { exact: true }).fill(HEAD_PASSWORD);
  await dealer.getByLabel("New password again").fill(HEAD_PASSWORD);
  await dealer.getByRole("button", { name: "Set the password" }).click();
  await expect(dealer.getByText("Your password was changed. Sign in with the new one.")).toBeVisible();
  await signIn(dealer, HEAD_EMAIL, HEAD_PASSWORD);
  await expect(dealer.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("the dealer starts a draft that saves itself and survives a reload", async () => {
  await dealer.goto("/modules/pcc");
  await waitForHydration(dealer);
  await expect(dealer.getByRole("heading", { name: "Our applications" })).toBeVisible();
  await dealer.getByRole("button", { name: "New application" }).click();
  await expect(dealer).toHaveURL(/\/modules\/pcc\/[0-9a-f-]{36}$/);
  await waitForHydration(dealer);
  await dealer.getByLabel("Service bays").fill("12");
  await dealer.getByLabel(/^Customer satisfaction score/).fill("140");
  await expect(dealer.getByText("Enter a value from 0 to 100 %.")).toBeVisible();
  await dealer.getByLabel(/^Customer satisfaction score/).fill("91.5");
  await expect(dealer.getByRole("status").filter({ hasText: /Saved at \d\d:\d\d/ })).toBeVisible();

  await dealer.reload();
  await waitForHydration(dealer);
  await expect(dealer.getByLabel("Service bays")).toHaveValue("12");
  await expect(dealer.getByLabel(/^Customer satisfaction score/)).toHaveValue("91.5");
  const figures: [string | RegExp, string][] = [
    ["Vehicle lifts", "10"],
    ["Diagnostic stations", "4"],
    ["Technicians", "20"],
    ["Certified technicians", "12"],
    ["Master technicians", "3"],
    [/^First-time-fix rate/, "88"],
    [/^Average repair turnaround/, "26.5"],
    ["Vehicles serviced per month", "640"],
  ];
  for (const [label, value] of figures) {
    await dealer.getByLabel(label, { exact: typeof label === "string" }).fill(value);
  }
  await dealer.getByLabel("Yes").check();
  await dealer.getByLabel("Justification").fill(
    "Twelve bays, three master technicians and a satisfaction score above 90 for two years running.",
  );
  await expect(dealer.getByRole("status").filter({ hasText: /Saved at/ })).toBeVisible();
});

test("the submission appears in the reviewer's open queue without a reload", async () => {
  await reviewer.goto("/queue");
  await waitForHydration(reviewer);
  await expect(reviewer.getByRole("heading", { level: 1, name: "Approval queue" })).toBeVisible();
  await expect(reviewer.getByText("Nothing is waiting for your decision.")).toBeVisible();

  await dealer.getByRole("button", { name: "Submit", exact: true }).click();
  await expect(dealer.getByText("This application is pending.")).toBeVisible();
  const number = (await dealer.getByRole("heading", { level: 1 }).innerText()).match(/PCC-\d{4}-\d{6}/)?.[0];
  expect(number).toBeTruthy();

  const row = reviewer.getByRole("row").filter({ hasText: DEALER_CODE });
  await expect(row).toBeVisible();
  await expect(row).toContainText(number!);
});

test("the reviewer sends it back; the dealer's bell and page follow live", async () => {
  await expect(dealer.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();
  await reviewer.getByRole("row").filter({ hasText: DEALER_CODE }).getByRole("link").first().click();
  await waitForHydration(reviewer);
  await reviewer.getByRole("button", { name: "Send back for revision" }).click();
  const comment = reviewer.getByLabel("Comment for the dealer (required)");
  await comment.fill("Too short");
  // The dealer must learn why: a comment under 10 characters cannot be confirmed.
  await expect(reviewer.getByText(/At least 10 characters/)).toBeVisible();
  await expect(reviewer.getByRole("button", { name: "Confirm: Send back for revision" })).toHaveAttribute("aria-disabled", "true");
  await comment.fill("Please add photos of the customer lounge.");
  await reviewer.getByRole("button", { name: "Confirm: Send back for revision" }).click();
  await expect(reviewer.getByText("This application is back with its dealer for revision.")).toBeVisible();

  await expect(dealer.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();
  await expect(dealer.getByText("Please add photos of the customer lounge.").first()).toBeVisible();
  await expect(dealer.getByText("This application is back with its dealer for revision.")).toBeVisible();
});

test("the dealer resubmits, the reviewer approves, and the dealer sees it at once", async () => {
  await dealer.getByLabel("Vehicle lifts", { exact: true }).fill("11");
  await expect(dealer.getByRole("status").filter({ hasText: /Saved at/ })).toBeVisible();
  await dealer.getByRole("button", { name: "Resubmit" }).click();
  await dealer.getByRole("button", { name: "Confirm: Resubmit" }).click();
  await expect(dealer.getByText("This application is pending.")).toBeVisible();

  await expect(reviewer.getByText("This application is pending.")).toBeVisible();
  await reviewer.getByRole("button", { name: "Approve", exact: true }).click();
  await reviewer.getByRole("button", { name: "Confirm: Approve" }).click();
  await expect(reviewer.getByText("This application is approved.")).toBeVisible();

  await expect(dealer.getByText("This application is approved.")).toBeVisible();
  await expect(dealer.getByRole("link", { name: /Notifications, 2 unread/ })).toBeVisible();
  const history = dealer.getByRole("list", { name: "History" });
  await expect(history.getByRole("listitem")).toHaveCount(5);
  expect(problems).toEqual([]);
});
