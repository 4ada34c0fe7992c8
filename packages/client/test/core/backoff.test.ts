/**
 * Reconnection delays: exponential, capped, and spread by jitter so that clients dropped at once
 * do not come back in lockstep. No timing here: the delay function is tested directly.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, Manager } from "@switchboard/client";

const params = { reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5 };

test("grows exponentially from reconnectionDelay and caps at reconnectionDelayMax", () => {
  const noJitter = { ...params, randomizationFactor: 0 };
  const delays = [0, 1, 2, 3, 4, 10, 100, 5000].map((n) => backoffDelay(n, noJitter));
  assert.deepEqual(delays, [1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000]);
});

test("jitter removes up to randomizationFactor of the delay, never adds", () => {
  assert.equal(
    backoffDelay(0, params, () => 0),
    1000,
  );
  assert.equal(
    backoffDelay(0, params, () => 0.5),
    750,
  );
  assert.equal(
    backoffDelay(0, params, () => 0.999999),
    500,
  );
  assert.equal(
    backoffDelay(20, params, () => 0),
    5000,
  );
  assert.equal(
    backoffDelay(20, params, () => 0.999999),
    2500,
  );
});

/** How many of `buckets` equal slices of [lo, hi] hold at least one of `values`. */
function filledBuckets(values: number[], lo: number, hi: number, buckets: number): number {
  const seen = new Set(
    values.map((v) => Math.min(buckets - 1, Math.floor(((v - lo) / (hi - lo)) * buckets))),
  );
  return seen.size;
}

for (const attempt of [0, 3, 30]) {
  test(`1,000 clients at attempt ${attempt} spread over the whole jitter window`, () => {
    const cap = Math.min(5000, 1000 * 2 ** attempt);
    const delays = Array.from({ length: 1000 }, () => backoffDelay(attempt, params));
    for (const d of delays) assert.ok(d > cap * 0.5 - 1 && d <= cap, `${d} out of window`);
    // Not lockstep: hundreds of distinct delays, and every tenth of the window is used.
    assert.ok(new Set(delays).size > 300, `only ${new Set(delays).size} distinct delays`);
    assert.equal(filledBuckets(delays, cap * 0.5, cap, 10), 10);
  });
}

test("200 managers dropped at once schedule spread-out first reconnections", () => {
  const managers = Array.from(
    { length: 200 },
    () => new Manager("http://127.0.0.1:1", { autoConnect: false, ...params }),
  );
  const first = managers.map((m) => m.backoff.duration());
  const later = managers.map((m) => {
    for (let i = 0; i < 8; i++) m.backoff.duration();
    return m.backoff.duration(); // attempt 10: at the cap
  });
  assert.ok(new Set(first).size > 100);
  assert.equal(filledBuckets(first, 500, 1000, 10), 10);
  assert.ok(new Set(later).size > 100, "clients at the cap are not in lockstep");
  assert.equal(filledBuckets(later, 2500, 5000, 10), 10);
});

test("the backoff follows option changes made through the Manager's accessors", () => {
  const m = new Manager("http://127.0.0.1:1", { autoConnect: false, ...params });
  m.reconnectionDelay(10).reconnectionDelayMax(10).randomizationFactor(0);
  assert.equal(m.reconnectionDelay(), 10);
  assert.equal(m.backoff.duration(), 10);
  assert.throws(() => m.randomizationFactor(2), { code: "SB_ERR_BAD_OPTION" });
});
