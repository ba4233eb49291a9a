"""The load generator: a hall of members taking one quiz through the JSON API, with a ledger.

Plain asyncio streams and a minimal HTTP/1.1 client (no third-party package): one task per
member, each with its own connection (kept alive when the server allows it), so thousands of
members cost little CPU on the machine the server shares. Every loop is bounded in count and time.

Journey of one member: wait at the barrier (plus a human reaction time), POST the start, save
answers with think time (some answers changed later with a higher seq; some stale saves re-sent
on purpose), then submit in the last seconds before the deadline, or submit by the timer right at
it, or vanish and leave the attempt to the sweep. Only 127.0.0.1 is ever targeted.

The LEDGER is an append-only JSON-lines file: one line per acknowledged start, save and submit
(a submit's line also holds when it was sent and answered, to the microsecond: bench/verify.py).
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

HOST = "127.0.0.1"
MAX_TRIES = 20            # per request: transport failures (e.g. a killed worker) are retried
REQUEST_TIMEOUT = 60.0    # seconds for one try
IDLE_REUSE = 1.0          # reuse a kept-alive connection only if idle for less (gunicorn keepalive is 5 s)


@dataclass
class Stats:
    """Latencies (s) of successful tries and failure counts, per step."""

    latencies: dict = field(default_factory=dict)
    first_sent: dict = field(default_factory=dict)
    last_done: dict = field(default_factory=dict)
    http_errors: dict = field(default_factory=dict)      # unexpected HTTP status
    transport_errors: dict = field(default_factory=dict)  # reset/refused/EOF, retried
    error_samples: list = field(default_factory=list)
    # (kind, step, reason) -> seconds since the run began of every failed try: reason is the HTTP
    # status (with the API's message for an unexpected one), "503 from the proxy", or the
    # transport failure's first words.
    failures: dict = field(default_factory=dict)
    began: float = field(default_factory=lambda: time.monotonic())

    def ok(self, step: str, sent: float, done: float) -> None:
        """Record one successful try."""
        self.latencies.setdefault(step, []).append(done - sent)
        self.first_sent[step] = min(self.first_sent.get(step, sent), sent)
        self.last_done[step] = max(self.last_done.get(step, done), done)

    def fail(self, kind: str, step: str, detail: str, reason: str | None = None) -> None:
        """Record one failed try ('http' or 'transport'), with its reason and time for breakdown()."""
        bucket = self.http_errors if kind == "http" else self.transport_errors
        bucket[step] = bucket.get(step, 0) + 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{kind} {step}: {detail[:200]}")
        key = (kind, step, reason or detail[:60])
        self.failures.setdefault(key, []).append(time.monotonic() - self.began)

    def breakdown(self, window: float = 10.0) -> list[dict]:
        """Every failure reason per step: how many, first and last (s into the run), and how many
        in each `window` seconds (a histogram keyed by the window's start), most frequent first."""
        out = []
        for (kind, step, reason), times in self.failures.items():
            windows: dict = {}
            for t in times:
                start = int(t // window * window)
                windows[start] = windows.get(start, 0) + 1
            out.append({"kind": kind, "step": step, "reason": reason, "count": len(times),
                        "first": min(times), "last": max(times), "windows": windows})
        return sorted(out, key=lambda r: -r["count"])

    def row(self, step: str) -> dict:
        """requests, req/s over the step's span, p50/p99/max in ms, errors."""
        lat = sorted(self.latencies.get(step, []))
        n = len(lat)
        span = max(self.last_done.get(step, 0) - self.first_sent.get(step, 0), 1e-9)

        def pct(p: float) -> float:
            return lat[min(n - 1, int(p * n))] * 1000 if n else 0.0

        return {"step": step, "requests": n, "rps": n / span if n else 0.0, "p50": pct(0.50), "p99": pct(0.99),
                "max": lat[-1] * 1000 if n else 0.0, "http_errors": self.http_errors.get(step, 0),
                "transport_errors": self.transport_errors.get(step, 0)}


class TransportError(Exception):
    """The connection failed before a complete response arrived."""


class Conn:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port (reopened when the server closes it)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used_at = 0.0

    def close(self) -> None:
        """Drop the socket."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def _once(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is not None and time.monotonic() - self.used_at > IDLE_REUSE:
            self.close()  # the server may be closing it right now (keep-alive timeout): start afresh
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=1 << 22)
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close" or lines[0].startswith("HTTP/1.0"):
            self.close()
        self.used_at = time.monotonic()
        return status, body

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
        """One try; raises TransportError on any connection failure (the socket is dropped)."""
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        try:
            return await asyncio.wait_for(self._once(raw), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ValueError, IndexError) as exc:
            self.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from None


def wall_clock() -> str:
    """Now, UTC, to the microsecond, in the API's ISO form: the server's clock on the same machine."""
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def start_entry(person_id: int, status: int, body: dict) -> dict:
    """The ledger line of an acknowledged start (201 new, 200 resumed)."""
    return {"op": "start", "person": person_id, "attempt": body["id"], "status": status, "deadline": body["deadline"]}


def save_entry(person_id: int, attempt_id: int, position: int, seq: int, value, body: dict, stale: bool) -> dict:
    """The ledger line of an acknowledged save: what was sent (display ids) and what the server said."""
    return {"op": "save", "person": person_id, "attempt": attempt_id, "position": position, "seq": seq,
            "value": value, "applied": body.get("applied"), "server_seq": body.get("seq"), "stale": stale}


def submit_entry(person_id: int, attempt_id: int, body: dict, sent_at: str, acked_at: str) -> dict:
    """The ledger line of an acknowledged submit: the finish time as the API returned it (whole
    seconds: the API's precision), and when the request was first sent (before any retry) and its
    answer arrived, to the microsecond — the stored finish time must lie in between (or be the
    deadline, for a submit after it)."""
    return {"op": "submit", "person": person_id, "attempt": attempt_id, "finished_at": body.get("finished_at"),
            "score": body.get("score"), "pending_essays": body.get("pending_essays"), "status": body.get("status"),
            "sent_at": sent_at, "acked_at": acked_at}


class Ledger:
    """Append-only JSON-lines file of acknowledged operations (flushed line by line)."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8", buffering=1)

    def write(self, **entry) -> None:
        """Append one acknowledged operation."""
        self.file.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")

    def close(self) -> None:
        """Flush and close."""
        self.file.close()


@dataclass
class Plan:
    """Timing of one run (monotonic seconds)."""

    port: int
    quiz_id: int
    hello_at: float        # when the hello storm starts
    start_at: float        # the barrier
    deadline_at: float     # the quiz closes (every attempt's deadline)
    reaction: float = 2.0  # members press start within this many seconds after the barrier
    submit_window: float = 4.0  # submitters submit within this many seconds before the deadline
    vanish: float = 0.10   # share of members who never submit (the sweep closes them)
    timer: float = 0.05    # share submitted by the page's timer right at the deadline
    stale: float = 0.05    # share of saves followed by a deliberately stale re-send


class Taker:
    """One member's journey."""

    def __init__(self, person_id: int, cookie: str, csrf: str, plan: Plan, stats: Stats, ledger: Ledger,
                 rng: random.Random):
        self.pid, self.plan, self.stats, self.ledger, self.rng = person_id, plan, stats, ledger, rng
        self.conn = Conn(plan.port)
        self.headers = {"Cookie": f"session={cookie}", "X-CSRFToken": csrf, "Content-Type": "application/json",
                        "Accept": "application/json"}
        self.attempt_id: int | None = None

    async def call(self, step: str, method: str, path: str, payload=None, *, until: float,
                   accept=(200, 201)) -> tuple[int, dict] | None:
        """Send with retries on transport failure until `until` (monotonic) or MAX_TRIES; None if given up."""
        body = json.dumps(payload).encode() if payload is not None else b""
        for attempt in range(MAX_TRIES):
            sent = time.monotonic()
            try:
                status, raw = await self.conn.request(method, path, self.headers, body)
            except TransportError as exc:
                self.stats.fail("transport", step, str(exc), " ".join(str(exc).split()[:4]) or "transport")
                if time.monotonic() > until:
                    return None
                await asyncio.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + self.rng.random()))
                continue
            done = time.monotonic()
            if status in (502, 503, 504) and time.monotonic() <= until:
                # The proxy found no live app behind it (an instance killed): retry, as the page does.
                self.stats.fail("transport", step, f"{status} from the proxy", f"{status} from the proxy")
                await asyncio.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + self.rng.random()))
                continue
            try:
                data = json.loads(raw) if raw else {}
            except ValueError:
                data = {"raw": raw[:200].decode("utf-8", "replace")}
            if status in accept:
                self.stats.ok(step, sent, done)
                return status, data
            message = (data.get("error") or {}).get("message") if isinstance(data, dict) else None
            self.stats.fail("http", step, f"{status} {data}", f"{status} {message or ''}".strip()[:80])
            return status, data
        return None

    def _value(self, item: dict):
        """A plausible answer for the item's type, from its public view, in the stored form."""
        choices = [c["id"] for c in (item.get("view") or {}).get("choices", [])]
        if item["type"] == "single":
            return {"choice": self.rng.choice(choices)}
        if item["type"] == "multiple":
            return {"choices": sorted(self.rng.sample(choices, self.rng.randint(1, min(3, len(choices)))))}
        return {"text": self.rng.choice(["a", "b", "Nghị quyết"])}

    async def hello(self) -> None:
        """One GET /hello in the hello storm (the baseline)."""
        await asyncio.sleep(max(0.0, self.plan.hello_at + self.rng.random() * self.plan.reaction - time.monotonic()))
        await self.call("hello", "GET", "/hello", until=self.plan.start_at - 1)

    async def run(self) -> None:
        """The whole journey; never raises."""
        plan = self.plan
        await self.hello()
        await asyncio.sleep(max(0.0, plan.start_at + self.rng.random() * plan.reaction - time.monotonic()))
        got = await self.call("start", "POST", f"/api/v1/quizzes/{plan.quiz_id}/attempts", {},
                              until=plan.deadline_at - plan.submit_window)
        if got is None or got[0] not in (200, 201):
            return
        data = got[1]
        self.attempt_id = data["id"]
        self.ledger.write(**start_entry(self.pid, got[0], data))
        items = data.get("items") or []
        role = self.rng.random()
        vanish, timer = role < plan.vanish, plan.vanish <= role < plan.vanish + plan.timer
        stop_saving = plan.deadline_at - plan.submit_window - 0.5
        await self.save_all(items, stop_saving, vanish)
        if vanish:
            return
        if timer:
            at = plan.deadline_at + 0.2 * self.rng.random()
        else:
            at = plan.deadline_at - plan.submit_window + self.rng.random() * (plan.submit_window - 0.5)
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        sent_at = wall_clock()
        got = await self.call("submit", "POST", f"/api/v1/attempts/{self.attempt_id}/submit",
                              {"reason": "timer" if timer else "member"}, until=plan.deadline_at + 30)
        if got is not None and got[0] == 200:
            self.ledger.write(**submit_entry(self.pid, self.attempt_id, got[1], sent_at, wall_clock()))

    async def save_all(self, items: list[dict], stop_at: float, vanish: bool) -> None:
        """Answer every item (some twice), with think time spread until `stop_at`."""
        plan_saves = list(items)
        self.rng.shuffle(plan_saves)
        for item in self.rng.sample(plan_saves, k=len(plan_saves) // 5):  # a fifth changed later on
            first = plan_saves.index(item)
            plan_saves.insert(self.rng.randint(first + 1, len(plan_saves)), item)
        if vanish:
            plan_saves = plan_saves[: len(plan_saves) // 2]  # leaves mid-way
        seqs: dict[int, int] = {}
        for n, item in enumerate(plan_saves):
            left = stop_at - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(self.rng.uniform(0.2, 1.8) * left / (len(plan_saves) - n + 1))
            pos = item["position"]
            seq = seqs.get(pos, 0) + 1
            seqs[pos] = seq
            value = self._value(item)
            if not await self.save(pos, seq, value, stop_at + 2):
                return
            if seq > 1 and self.rng.random() < self.plan.stale:
                await self.save(pos, seq - 1, self._value(item), stop_at + 2, stale=True)

    async def save(self, pos: int, seq: int, value, until: float, *, stale: bool = False) -> bool:
        """One save; ledger line when acknowledged. False when the attempt cannot take saves any more."""
        got = await self.call("save", "PUT", f"/api/v1/attempts/{self.attempt_id}/answers/{pos}",
                              {"value": value, "seq": seq}, until=until)
        if got is None or got[0] != 200:
            return False
        self.ledger.write(**save_entry(self.pid, self.attempt_id, pos, seq, value, got[1], stale))
        return True


async def drive(members: list, plan: Plan, ledger_path, seed: int = 1) -> Stats:
    """Run every member's journey concurrently; return the stats (the ledger is on disk)."""
    stats = Stats()
    ledger = Ledger(ledger_path)
    rng = random.Random(seed)
    tasks = [Taker(m.person_id, m.cookie, m.csrf, plan, stats, ledger, random.Random(rng.random())).run()
             for m in members]
    try:
        hard_stop = plan.deadline_at + 90 - time.monotonic()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=max(1.0, hard_stop))
    finally:
        ledger.close()
    return stats
