// Live-update latency: opens N event streams (GET /api/events), spread over as many sessions of
// one dealer user as the per-session cap needs (8 streams each, like 8 tabs), then
// changes a record the streams' user may see, over and over, and times each event's arrival at
// every stream from the moment the change's request was sent. The change is a PCC draft save
// (a transaction ending in NOTIFY), so the time includes the save itself; the save's own round
// trip is reported next to it.
//   node live.mjs <streams> <changes>
// Env: OAP_BENCH_ORIGIN, OAP_BENCH_COOKIE (a dealer user's session, which saves),
// OAP_BENCH_EMAIL and OAP_BENCH_PASSWORD (that user, to sign in the streams' sessions),
// OAP_BENCH_DRAFT (a draft id), OAP_BENCH_VERSION (its version).
const [streams, changes] = process.argv.slice(2).map(Number);
const origin = process.env.OAP_BENCH_ORIGIN;
const headers = { cookie: process.env.OAP_BENCH_COOKIE, origin };
const draft = process.env.OAP_BENCH_DRAFT;
const PER_SESSION = 8;

async function signIn() {
  const response = await fetch(`${origin}/api/auth/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin, accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: process.env.OAP_BENCH_EMAIL, password: process.env.OAP_BENCH_PASSWORD }),
  });
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith("oap_session="));
  if (!cookie) throw new Error(`sign-in answered ${response.status} without a session`);
  return cookie;
}
const cookies = [];
for (let i = 0; i < Math.ceil(streams / PER_SESSION); i++) cookies.push(await signIn());

const waiting = new Map(); // version -> { started, arrivals[] }
let ready = 0;

async function openStream(cookie) {
  const response = await fetch(`${origin}/api/events`, { headers: { cookie, origin } });
  if (response.status !== 200) throw new Error(`stream answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event:\s*(.*)$/m.exec(block)?.[1];
      const data = /^data:\s*(.*)$/m.exec(block)?.[1];
      if (name === "ready") ready++;
      if (name === "record" && data) {
        const entry = waiting.get(JSON.parse(data).version);
        if (entry) entry.arrivals.push(performance.now() - entry.started);
      }
    }
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

for (let i = 0; i < streams; i++) openStream(cookies[Math.floor(i / PER_SESSION)]).catch((e) => { console.error(e.message); process.exit(1); });
while (ready < streams) await new Promise((r) => setTimeout(r, 20));

let version = Number(process.env.OAP_BENCH_VERSION ?? "1");
const last = [];
const saves = [];
for (let i = 0; i < changes; i++) {
  const entry = { started: performance.now(), arrivals: [] };
  waiting.set(version + 1, entry);
  const response = await fetch(`${origin}/api/pcc/save`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ save: { id: draft, version, form: { figures: { lifts: String(i % 50) } } } }),
  });
  saves.push(performance.now() - entry.started);
  if (response.status !== 200) throw new Error(`save answered ${response.status}: ${await response.text()}`);
  version = (await response.json()).version;
  const deadline = performance.now() + 10_000;
  while (entry.arrivals.length < streams && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  if (entry.arrivals.length < streams) throw new Error(`only ${entry.arrivals.length} of ${streams} streams heard change ${i}`);
  last.push(Math.max(...entry.arrivals));
  waiting.delete(version);
}
last.sort((a, b) => a - b);
saves.sort((a, b) => a - b);
const ms = (v) => `${v.toFixed(1)}ms`;
console.log(
  `${streams} streams, ${changes} changes: event at the last stream p50 ${ms(percentile(last, 50))} p99 ${ms(percentile(last, 99))}; ` +
    `the save itself p50 ${ms(percentile(saves, 50))}`,
);
process.exit(0);
