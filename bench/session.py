"""One back end's measurements, server by server: answers checked, then load.

Campus runs first: its answers are the reference. The floor's must be the
same bytes, for each of its two variants (both are measured; the faster is
kept and named); the naive baseline's the same values; PostGraphile's the
same rows and values under its own IDs and cursors, or its figure is not
reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench import writes
from bench.accounts import Accounts, missing_mutations, sign_in_clients
from bench.answers import Answer, byte_difference, difference, probe
from bench.database import Backend, Targets, link_snapshot
from bench.httpclient import HttpConnection
from bench.load import Level, read_sender, run_level
from bench.measure import Config, Measurement, levels, report, say
from bench.postgraphile import mapping
from bench.queries import ReadQuery
from bench.servers import HOST, BenchError, RunningServer
from bench.workload import floor_request, postgraphile_request, read_request, write_request

__all__ = ["FLOOR_VARIANTS", "Session"]

FLOOR_VARIANTS = ("rows", "json")
W_USERS = 8
W_OPS_PER_CLIENT = 500


@dataclass
class Session:
    """What one back end's run learns as it goes: reference answers, accounts."""

    backend: Backend
    config: Config
    env: dict[str, str]
    targets: Targets
    reads: list[ReadQuery] = field(default_factory=list)
    reference: dict[str, Answer] = field(default_factory=dict)
    accounts: Accounts | None = None
    w_skipped: str | None = None

    async def read(self, server: RunningServer, kind: str, query: ReadQuery) -> Measurement:
        if kind == "floor":
            return await self._floor(server, query)
        if kind == "postgraphile":
            return await self._postgraphile(server, query)
        request = read_request(server.port, query)
        answer = await probe(server.port, request)
        if kind == "campus":
            self.reference[query.name] = answer
        elif found := difference(self._campus(query).data, answer.data):
            raise BenchError(f"{kind} answers {query.name} unlike campus: {found}")
        return await self._measure(server, kind, query, request, answer)

    async def _postgraphile(self, server: RunningServer, query: ReadQuery) -> Measurement:
        """Measured only when it answers campus's rows and values (``mapping``)."""
        try:
            variables = await mapping.variables(server.port, query)
            request = postgraphile_request(server.port, query, variables)
            answer = await probe(server.port, request)
            found = difference(self._campus(query).data, answer.data, same=mapping.same)
        except BenchError as error:
            found = f"no answer: {error}"
        if found:
            say(f"[{self.backend.name}] postgraphile {query.name} NOT reported: {found}")
            why = f"not reported, its answer is unlike campus's: {found}"
            return Measurement(query.name, query.title, "postgraphile", skipped=why)
        return await self._measure(server, "postgraphile", query, request, answer)

    def _campus(self, query: ReadQuery) -> Answer:
        if query.name not in self.reference:
            raise BenchError(f"campus's answer to {query.name} is needed first")
        return self.reference[query.name]

    async def _floor(self, server: RunningServer, query: ReadQuery) -> Measurement:
        """Both variants, each answering campus's bytes; the one with more req/s is kept."""
        measured = []
        for variant in FLOOR_VARIANTS:
            request = floor_request(server.port, query, variant)
            answer = await probe(server.port, request)
            if found := byte_difference(self._campus(query).raw, answer.raw):
                raise BenchError(f"floor ({variant}) answers {query.name} unlike campus: {found}")
            measured.append(await self._measure(server, "floor", query, request, answer, variant))
        best, other = sorted(measured, key=lambda m: m.levels[-1].rps, reverse=True)
        best.other = {
            "variant": other.variant,
            "p50_ms": other.levels[0].p50_ms,
            "rps": other.levels[-1].rps,
            "statements": other.statements,
        }
        return best

    async def _measure(
        self,
        server: RunningServer,
        kind: str,
        query: ReadQuery,
        request: bytes,
        answer: Answer,
        variant: str | None = None,
    ) -> Measurement:
        send = read_sender(request)

        async def runner(concurrency: int, seconds: float) -> Level:
            return await run_level(HOST, server.port, send, concurrency, seconds)

        measurement = Measurement(
            query.name,
            query.title,
            kind,
            answer.sql.get("statements"),
            answer.sql.get("rows"),
            await levels(server, runner, self.config),
            variant=variant,
        )
        report(self.backend, measurement)
        return measurement

    async def write(self, server: RunningServer, kind: str) -> Measurement:
        measurement = Measurement("W", "enroll/withdraw + follow/unfollow", kind)
        if kind in ("naive", "postgraphile"):
            measurement.skipped = f"the benchmark measures {kind}'s reads only"
            return measurement
        if kind == "campus":
            await self._sign_in(server)
        if kind == "campus" and self.w_skipped:
            measurement.skipped = self.w_skipped
            say(f"[{self.backend.name}] campus W skipped: {self.w_skipped}")
            return measurement
        mix = self._mix(kind, server.port)
        send = mix.sender()
        users = self._users()
        t = self.targets
        problems: list[str] = []
        links_wrong: list[str] = []
        costs: list[dict[str, int]] = []

        async def runner(concurrency: int, seconds: float) -> Level:
            before, _ = await link_snapshot(self.backend.url, t.w_students, t.w_courses, users)
            mix.reset()
            level = await run_level(HOST, server.port, send, concurrency, seconds)
            after, rows = await link_snapshot(self.backend.url, t.w_students, t.w_courses, users)
            found = writes.check_links(before, after, rows, mix.done)
            links_wrong.extend(found)
            if mix.failed:
                found.insert(
                    0,
                    f"{mix.failed} of {mix.failed + len(mix.done)} requests failed"
                    f" ({mix.server_errors} with a 5xx), e.g. {'; '.join(mix.failures)}",
                )
            problems.extend(f"c={concurrency}: {p}" for p in found)
            costs.extend(mix.sql)
            return level

        measurement.levels = await levels(server, runner, self.config)
        if costs:
            measurement.statements = round(sum(c["statements"] for c in costs) / len(costs), 2)
            measurement.rows = round(sum(c["rows"] for c in costs) / len(costs), 2)
        links = "links do NOT match" if links_wrong else "links match the changed answers"
        measurement.check = "; ".join([*problems[:6], links] if problems else ["ok", links])
        report(self.backend, measurement)
        if problems:
            say(f"[{self.backend.name}] {kind} W check FAILED: {measurement.check}")
        return measurement

    async def _sign_in(self, server: RunningServer) -> None:
        connection = HttpConnection(HOST, server.port)
        try:
            if missing := await missing_mutations(connection, server.port):
                self.w_skipped = f"mutations not available ({', '.join(missing)})"
                return
            self.accounts = await sign_in_clients(
                connection, server.port, self.backend, self.env, W_USERS
            )
        finally:
            await connection.close()

    def _users(self) -> tuple[int, ...]:
        if self.accounts:
            return tuple(sorted(self.accounts.user_tokens))
        top = self.config.sizes.users
        return tuple(u for u in range(top - W_USERS, top + 1) if u != self.targets.q2_user)

    def _mix(self, kind: str, port: int) -> writes.WriteMix:
        users = self._users()
        clients = max((*self.config.concurrency, 8))
        requests: list[list[tuple[writes.Op, bytes]]] = []
        for client in range(clients):
            ops = writes.plan_ops(
                client, W_OPS_PER_CLIENT, self.targets.w_students, self.targets.w_courses, users
            )
            requests.append([(op, write_request(kind, port, op, self.accounts)) for op in ops])
        parse = writes.parse_graphql if kind == "campus" else writes.parse_floor
        return writes.WriteMix(requests, parse)
