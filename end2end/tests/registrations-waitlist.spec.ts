import { test, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { type Dealer, enrolTotp, setUpDealer, signIn, waitForHydration } from "./support";

/**
 * Three people at once: a manufacturer events officer (made by `server create-admin` in
 * scripts/test.sh) and the service heads of two dealers. An MT Meet has two seats; dealer B takes
 * one, dealer A registers two technicians for the last seat: one gets it, one waits. The officer
 * confirms A's seat, dealer B withdraws, and dealer A's waiting technician is promoted, which A
 * sees on the open page without reloading.
 */
test.describe.configure({ mode: "serial", timeout: 180_000 });

const OFFICER = process.env.OAP_E2E_EVENTS_ADMIN_EMAIL ?? "e2e.events@oneaftersales.com";
const OFFICER_PASSWORD = process.env.OAP_E2E_EVENTS_ADMIN_PASSWORD ?? "e2e-events-officer-password";
const PASSWORD = "copper lantern meadow orbit";
const MEET = "Hybrid drivetrain MT Meet";

const A: Dealer = { code: "MTM-A", name: "Alpha Motors", head: "Arun Mehta", email: "arun@mtm-a.example" };
const B: Dealer = { code: "MTM-B", name: "Bravo Cars", head: "Bela Shah", email: "bela@mtm-b.example" };

let contexts: BrowserContext[] = [];
let officer: Page;
let dealerA: Page;
let dealerB: Page;
let meetUrl = "";
const problems: string[] = [];

async function open(browser: Browser, who: string): Promise<Page> {
  const context = await browser.newContext();
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

async function registerTechnician(page: Page, name: string, employeeId: string) {
  const form = page.getByRole("region", { name: "Register a technician" });
  await form.getByLabel(/^Full name/).fill(name);
  await form.getByLabel(/^Employee id/).fill(employeeId);
  await form.getByRole("button", { name: "Register" }).click();
}

test.beforeAll(async ({ browser }) => {
  officer = await open(browser, "officer");
  dealerA = await open(browser, "dealer A");
  dealerB = await open(browser, "dealer B");
});

test.afterAll(async () => {
  for (const c of contexts) await c.close();
});

test("the officer sets up two dealers and an MT Meet with two seats", async () => {
  await signIn(officer, OFFICER, OFFICER_PASSWORD);
  await enrolTotp(officer);
  await setUpDealer(officer, A, dealerA, PASSWORD);
  await setUpDealer(officer, B, dealerB, PASSWORD);

  await officer.goto("/modules/mt-meets/events");
  await waitForHydration(officer);
  await officer.getByRole("link", { name: "New event" }).click();
  await waitForHydration(officer);
  const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const closes = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await officer.getByLabel(/^Name/).fill(MEET);
  await officer.getByLabel(/^Day/).fill(day);
  await officer.getByLabel(/^Location/).fill("Pune training centre");
  await officer.getByLabel(/^Seats \(required\)/).fill("0");
  await officer.getByLabel(/^Registrations close/).fill(`${closes}T17:00`);
  await officer.getByRole("button", { name: "Add the event" }).click();
  await expect(officer.getByText("Enter the number of seats, 1 to 100000.")).toBeVisible();
  await officer.getByLabel(/^Seats \(required\)/).fill("2");
  await officer.getByRole("button", { name: "Add the event" }).click();
  await expect(officer.getByRole("heading", { level: 1, name: new RegExp(MEET) })).toBeVisible();
  await expect(officer.getByText("2 of 2 seats free", { exact: true })).toBeVisible();
  meetUrl = new URL(officer.url()).pathname;
});

test("dealer A registers two technicians for the last seat: one seat, one on the waitlist", async () => {
  await dealerB.goto(meetUrl);
  await waitForHydration(dealerB);
  await registerTechnician(dealerB, "Bharat Rao", "B-17");
  await expect(dealerB.getByText(/Bharat Rao is registered with a seat/)).toBeVisible();

  await dealerA.goto(meetUrl);
  await waitForHydration(dealerA);
  await expect(dealerA.getByText("1 of 2 seats free", { exact: true })).toBeVisible();
  await registerTechnician(dealerA, "Anil Kumar", "A-01");
  await expect(dealerA.getByText(/Anil Kumar is registered with a seat/)).toBeVisible();
  await registerTechnician(dealerA, "Asha Iyer", "A-02");
  await expect(dealerA.getByText(/No seat was free: Asha Iyer is on the waitlist, number 1 in line/)).toBeVisible();
  // The same technician twice is refused at the field.
  await registerTechnician(dealerA, "Anil Kumar", "A-01");
  await expect(dealerA.getByText(/already registered for an MT Meet/)).toBeVisible();

  const people = dealerA.getByRole("region", { name: "Your people" });
  await expect(people.getByRole("row", { name: /Anil Kumar/ })).toContainText("Registered");
  await expect(people.getByRole("row", { name: /Asha Iyer/ })).toContainText("Waitlisted");
  await expect(people.getByRole("row", { name: /Bharat Rao/ })).toHaveCount(0);
  // Seats are everyone's, and follow live on the officer's open page.
  await expect(officer.getByText("0 of 2 seats free · 1 waiting")).toBeVisible();
});

test("the officer confirms A's seat, B withdraws, and A sees the waiting technician promoted live", async () => {
  const participants = officer.getByRole("region", { name: "Participants" });
  await participants.getByRole("button", { name: "Confirm Anil Kumar" }).click();
  await expect(participants.getByRole("row", { name: /Anil Kumar/ })).toContainText("Confirmed");

  // Dealer A watches the waiting technician's own page.
  await dealerA.getByRole("link", { name: /^MTM-\d{4}-\d{6}$/ }).last().click();
  await waitForHydration(dealerA);
  await expect(dealerA.getByText("Waiting for a seat: number 1 in line.")).toBeVisible();

  await dealerB.getByRole("link", { name: /^MTM-\d{4}-\d{6}$/ }).first().click();
  await waitForHydration(dealerB);
  await dealerB.getByRole("button", { name: "Withdraw" }).click();
  await dealerB.getByLabel(/^Comment/).fill("Bharat is on leave that week.");
  await dealerB.getByRole("button", { name: "Withdraw" }).last().click();
  await expect(dealerB.getByText("This registration is cancelled.")).toBeVisible();

  await expect(dealerA.getByText("Holds a seat; the manufacturer confirms it.")).toBeVisible();
  // Told twice: the seat was confirmed, then the waiting technician got one.
  await expect(dealerA.getByRole("link", { name: /Notifications, 2 unread/ })).toBeVisible();
  const history = dealerA.getByRole("list", { name: "History" });
  await expect(history).toContainText("Moved from the waitlist to a seat");
  await expect(officer.getByText("0 of 2 seats free", { exact: true })).toBeVisible();
  expect(problems).toEqual([]);
});

test("on the day of a meet the officer marks attendance on the sheet", async () => {
  const today = new Date().toISOString().slice(0, 10);
  await officer.goto("/modules/mt-meets/events/new");
  await waitForHydration(officer);
  await officer.getByLabel(/^Name/).fill("Same-day MT Meet");
  await officer.getByLabel(/^Day/).fill(today);
  await officer.getByLabel(/^Location/).fill("Chennai");
  await officer.getByLabel(/^Seats \(required\)/).fill("5");
  await officer.getByLabel(/^Registrations close/).fill(`${today}T23:59`);
  await officer.getByRole("button", { name: "Add the event" }).click();
  await expect(officer.getByRole("heading", { level: 1, name: /Same-day MT Meet/ })).toBeVisible();
  const sameDay = new URL(officer.url()).pathname;

  await dealerA.goto(sameDay);
  await waitForHydration(dealerA);
  await registerTechnician(dealerA, "Kiran Das", "A-07");
  await expect(dealerA.getByText(/Kiran Das is registered with a seat/)).toBeVisible();

  const sheet = officer.getByRole("region", { name: "Participants" });
  await expect(sheet.getByText("Kiran Das")).toBeVisible();
  await sheet.getByLabel("Kiran Das").check();
  await sheet.getByRole("button", { name: "Save attendance" }).click();
  await expect(sheet.getByText("Attendance saved for 1 person.")).toBeVisible();
  await expect(sheet.getByRole("row", { name: /Kiran Das/ })).toContainText("Attended");
  expect(problems).toEqual([]);
});
