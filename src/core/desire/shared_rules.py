"""Shared rules: the resources read from one source share its rules, ten ENIs to a rule (pure).

A Contributor Insights rule reads one log group and names the ENIs it counts in one `In` filter of
at most 10 values; every record it matches is billed, so it never matches an ENI of no resource of
ours. A shared rule leads its keys with interface-id, so each contributor names its ENI and so its
resource. Resources are packed whole into the chunks of each (rule kind, source) pool: a resource's
ENIs read from one source are one piece (several of ten when it has more), placed in one chunk.

Packing is stable. A resource stays in the chunk that holds its ENIs now (read from our rules'
definitions) while it fits; a newcomer takes the first chunk with room left, after the slots held
for the members already there; a chunk opens only when none has room, under the lowest free
number. So a resource that joins or leaves rewrites one chunk's `In` filter per kind (a rule
rewritten keeps its name; AWS keeps no history of a rule's contributors across a new definition,
so the chunk's report starts again from the rewrite) and renames nothing.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.desire.rules import (
    MAX_IN_VALUES,
    RULE_TEMPLATES,
    in_filter_enis,
    log_group_token,
    render_rule_definition,
    shared_rule_name,
    shared_rule_stem,
)
from core.desire.sources import Source, with_aggregation
from core.model import FlowLog, ObservedRule, RuleKind, RuleSpec
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class Piece:
    """Up to ten ENIs of one resource, read from one source: placed in one chunk, whole."""

    resource_id: str
    eni_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, order=True)
class PoolKey:
    """The rules of one kind over one source (a log group read with one field layout)."""

    kind: RuleKind
    source: Source

    @property
    def layout(self) -> str:
        return repr(self.source.layout)


def pool_tokens(keys: Iterable[PoolKey]) -> dict[PoolKey, str]:
    """The token of each pool's names: its log group's, with a layout digest only where one log
    group is read with two field layouts for one rule kind, as for a resource's own rules. So a
    flow log replaced by one of another format in the same log group renames nothing: its rules
    are rewritten in place."""
    keys = list(keys)
    layouts: dict[tuple[RuleKind, str], int] = {}
    for key in keys:
        layouts[key.kind, key.source.log_group] = layouts.get((key.kind, key.source.log_group), 0) + 1
    return {
        key: log_group_token(key.source.log_group, key.layout if layouts[key.kind, key.source.log_group] > 1 else "")
        for key in keys
    }


def pieces_of(resource_id: str, eni_ids: Iterable[str]) -> list[Piece]:
    """A resource's ENIs read from one source, in as few pieces as the In filter allows: one when
    it has ten or fewer."""
    enis = sorted(eni_ids)
    return [Piece(resource_id, tuple(enis[i : i + MAX_IN_VALUES])) for i in range(0, len(enis), MAX_IN_VALUES)]


@dataclass(slots=True)
class Pool:
    """The chunks of one pool: what each holds, and the slots held for the members it holds now.

    A chunk is open when it has ENIs placed in this run or slots held for members still to come.
    Placing takes the lowest-numbered open chunk with room for the piece, else the lowest free
    number: both are found in an index kept as the counts change (open chunks by their room, in
    heaps checked when read, and the lowest number that may be free), so a pool of C chunks places
    each piece in O(log C) rather than scanning every chunk."""

    existing: Mapping[str, int] = field(default_factory=dict)  # ENI -> the chunk that reads it now
    used: dict[int, int] = field(default_factory=dict)  # chunk -> ENIs placed in this run
    members: dict[int, list[Piece]] = field(default_factory=dict)
    held: dict[int, int] = field(default_factory=dict)  # chunk -> slots held for members not yet placed
    by_room: dict[int, list[int]] = field(default_factory=dict)  # room 1..10 -> open chunks (min-heap, stale kept)
    free_from: int = 1  # every chunk below it is open

    def is_open(self, chunk: int) -> bool:
        return bool(self.used.get(chunk) or self.held.get(chunk))

    def room(self, chunk: int) -> int:
        return MAX_IN_VALUES - self.used.get(chunk, 0) - self.held.get(chunk, 0)

    def indexed_room(self, chunk: int) -> int:
        """The room the index files an open chunk under: a chunk holding more than it can has none."""
        return min(self.room(chunk), MAX_IN_VALUES)

    def changed(self, chunk: int) -> None:
        """Files the chunk under its room now (the entry under its old room goes stale), or notes
        that its number is free again."""
        if not self.is_open(chunk):
            self.free_from = min(self.free_from, chunk)
        elif (room := self.indexed_room(chunk)) > 0:
            heapq.heappush(self.by_room.setdefault(room, []), chunk)

    def first_with_room(self, size: int) -> int | None:
        """The lowest-numbered open chunk with room for `size` ENIs, if one has it."""
        best: int | None = None
        for room in range(size, MAX_IN_VALUES + 1):
            heap = self.by_room.get(room)
            while heap and not (self.is_open(heap[0]) and self.indexed_room(heap[0]) == room):
                heapq.heappop(heap)  # stale: the chunk's room changed, or it closed
            if heap and (best is None or heap[0] < best):
                best = heap[0]
        return best

    def home(self, piece: Piece) -> int | None:
        """The chunk that reads every ENI of the piece now, if one does."""
        chunks = {self.existing.get(eni) for eni in piece.eni_ids}
        return chunks.pop() if len(chunks) == 1 and None not in chunks else None

    def hold(self, piece: Piece) -> None:
        if (chunk := self.home(piece)) is not None:
            self.held[chunk] = self.held.get(chunk, 0) + len(piece.eni_ids)
            self.changed(chunk)

    def release(self, piece: Piece) -> None:
        """A member that will not be placed (refused for the quota) frees the slots held for it."""
        if (chunk := self.home(piece)) is not None:
            self.held[chunk] -= len(piece.eni_ids)
            self.changed(chunk)

    def place(self, piece: Piece) -> tuple[int, bool]:
        """The chunk for the piece, and whether placing it there opens the chunk (costs a rule)."""
        home = self.home(piece)
        if home is not None and self.used.get(home, 0) + len(piece.eni_ids) <= MAX_IN_VALUES:
            return home, not self.used.get(home)
        # Chunks open now, or that will be (holding slots for members still to come)
        if (chunk := self.first_with_room(len(piece.eni_ids))) is not None:
            return chunk, not self.used.get(chunk)
        while self.is_open(self.free_from):
            self.free_from += 1
        return self.free_from, True

    def commit(self, piece: Piece, chunk: int) -> None:
        if self.home(piece) == chunk:
            self.held[chunk] -= len(piece.eni_ids)
        elif self.home(piece) is not None:
            self.release(piece)  # it moves: its old chunk no longer holds slots for it
        self.used[chunk] = self.used.get(chunk, 0) + len(piece.eni_ids)
        self.members.setdefault(chunk, []).append(piece)
        self.changed(chunk)

    def undo(self, piece: Piece, chunk: int) -> None:
        self.members[chunk].remove(piece)
        self.used[chunk] -= len(piece.eni_ids)
        self.changed(chunk)
        if self.home(piece) is not None:
            self.hold(piece)

    def chunks(self) -> list[tuple[int, list[Piece]]]:
        return [(chunk, pieces) for chunk, pieces in sorted(self.members.items()) if pieces]


@dataclass(frozen=True, slots=True)
class SharedRequest:
    """What one resource needs of the shared rules: the ENIs it reads from each pool."""

    resource_id: str
    wants: tuple[tuple[PoolKey, tuple[str, ...]], ...]

    def pieces(self) -> list[tuple[PoolKey, Piece]]:
        return [(key, piece) for key, enis in self.wants for piece in pieces_of(self.resource_id, enis)]


@dataclass(slots=True)
class Allocation:
    pools: dict[PoolKey, Pool]
    tokens: dict[PoolKey, str]
    admitted: list[str] = field(default_factory=list)
    # resource -> the rules it would have opened, and those left when its turn came
    refused: dict[str, tuple[int, int]] = field(default_factory=dict)


def allocate(
    requests: Sequence[SharedRequest],
    existing: Mapping[tuple[RuleKind, str], Mapping[str, int]],
    left: int | None,
) -> Allocation:
    """Requests in priority order. Each resource is admitted whole (every kind it needs) when the
    rules it opens fit in `left` (None: no quota to mind), else refused with what it needed."""
    tokens = pool_tokens({key for request in requests for key, _ in request.wants})
    pools = {key: Pool(existing=existing.get((key.kind, token), {})) for key, token in tokens.items()}
    for request in requests:
        for key, piece in request.pieces():
            pools[key].hold(piece)
    allocation = Allocation(pools, tokens)
    for request in requests:
        placed: list[tuple[PoolKey, Piece, int]] = []
        opened = 0
        for key, piece in request.pieces():
            chunk, opens = pools[key].place(piece)
            opened += opens
            pools[key].commit(piece, chunk)
            placed.append((key, piece, chunk))
        if left is not None and opened > left:
            for key, piece, chunk in reversed(placed):
                pools[key].undo(piece, chunk)
                pools[key].release(piece)
            allocation.refused[request.resource_id] = (opened, left)
            continue
        if left is not None:
            left -= opened
        allocation.admitted.append(request.resource_id)
    return allocation


def existing_chunks(rules: Mapping[str, ObservedRule], prefix: str) -> dict[tuple[RuleKind, str], dict[str, int]]:
    """(kind, source token) -> ENI -> chunk, read from our shared rules as they are: the names say
    the kind, the source and the chunk; the definitions' In filter says the ENIs."""
    chunks: dict[tuple[RuleKind, str], dict[str, int]] = {}
    for kind in RuleKind:
        stem = shared_rule_stem(prefix, kind) + "-"
        for name, rule in rules.items():
            token, _, number = name.removeprefix(stem).rpartition("-")
            if not name.startswith(stem) or not token or not number.isdigit():
                continue
            for eni in in_filter_enis(rule.definition):
                chunks.setdefault((kind, token), {})[eni] = int(number)
    return chunks


def render_shared(
    allocation: Allocation, settings: Settings, flow_logs: Mapping[str, Sequence[FlowLog]]
) -> list[RuleSpec]:
    """A rule per open chunk of each pool: its ENIs, and the resources they belong to. `flow_logs`
    (ENI -> the flow logs covering it) says how late each rule's data can be."""
    specs = []
    for key, pool in sorted(allocation.pools.items()):
        template, source = RULE_TEMPLATES[key.kind], key.source
        for chunk, pieces in pool.chunks():
            eni_ids = sorted(eni for piece in pieces for eni in piece.eni_ids)
            spec = RuleSpec(
                name=shared_rule_name(settings.prefix, key.kind, allocation.tokens[key], chunk),
                resource_id="",
                kind=key.kind,
                log_group=source.log_group,
                eni_ids=tuple(eni_ids),
                definition=render_rule_definition(
                    template, dict(source.layout), source.log_group, eni_ids, shared=True
                ),
                state=settings.rule_state,
                served=tuple(sorted({piece.resource_id for piece in pieces})),
                title=template.title_for(dict(source.layout), shared=True),
            )
            specs.append(with_aggregation(spec, flow_logs))
    return specs
