"""Packing resources into shared chunks: the indexed pool places every piece where a scan of every
chunk, lowest number first, would; and placing stays near linear in the resources of a pool."""

from __future__ import annotations

import random

import pytest

from core.desire import shared_rules
from core.desire.rules import MAX_IN_VALUES
from core.desire.shared_rules import Allocation, Piece, Pool, PoolKey, SharedRequest, allocate, pool_tokens
from core.desire.sources import Source
from core.model import RuleKind

SOURCES = (Source("/flow-logs/a", (("interface-id", 3),)), Source("/flow-logs/b", (("interface-id", 3),)))


class ScanningPool(Pool):
    """The specification of placing: the piece's own chunk while it fits, else the first open chunk
    (ENIs placed, or slots held) with room, every chunk looked at in order, else the lowest number
    no chunk uses."""

    def place(self, piece: Piece) -> tuple[int, bool]:
        home = self.home(piece)
        if home is not None and self.used.get(home, 0) + len(piece.eni_ids) <= MAX_IN_VALUES:
            return home, not self.used.get(home)
        for chunk in sorted({c for c, n in self.used.items() if n} | {c for c, n in self.held.items() if n}):
            if self.room(chunk) >= len(piece.eni_ids):
                return chunk, not self.used.get(chunk)
        chunk = 1
        while self.used.get(chunk) or self.held.get(chunk):
            chunk += 1
        return chunk, True


def random_region(rng: random.Random) -> tuple[list[SharedRequest], dict[tuple[RuleKind, str], dict[str, int]]]:
    """Resources of 1 to 23 ENIs over two sources and two kinds; some ENIs already read by chunks of
    our rules (scattered, as members left and joined), and some chunks reading ENIs of no resource."""
    keys = [PoolKey(kind, source) for kind in (RuleKind.BYTES, RuleKind.REJECTS) for source in SOURCES]
    tokens = pool_tokens(keys)
    requests: list[SharedRequest] = []
    existing: dict[tuple[RuleKind, str], dict[str, int]] = {}
    for number in range(rng.randint(1, 120)):
        enis = tuple(f"eni-{number:03d}-{i:02d}" for i in range(rng.choice((1, 2, 2, 2, 3, 4, 7, 10, 12, 23))))
        wants = tuple((key, enis) for key in keys if rng.random() < 0.7)
        requests.append(SharedRequest(f"vpce-{number:03d}", wants))
        for key in (k for k, _ in wants if rng.random() < 0.5):
            chunk = rng.randint(1, 30)
            for eni in enis[: rng.choice((len(enis), MAX_IN_VALUES, 1))]:
                existing.setdefault((key.kind, tokens[key]), {})[eni] = chunk
    for key in keys:  # ENIs of resources gone, in chunks that still exist
        for gone in range(rng.randint(0, 5)):
            existing.setdefault((key.kind, tokens[key]), {})[f"eni-gone-{gone}"] = rng.randint(1, 30)
    return requests, existing


def packing(allocation: Allocation) -> dict[PoolKey, list[tuple[int, list[Piece]]]]:
    return {key: pool.chunks() for key, pool in allocation.pools.items()}


@pytest.mark.parametrize("seed", range(40))
def test_the_indexed_pool_places_every_piece_where_a_scan_of_every_chunk_would(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    requests, existing = random_region(rng)
    left = rng.choice((None, 0, 3, 10, 40, 200))
    indexed = allocate(requests, existing, left)
    monkeypatch.setattr(shared_rules, "Pool", ScanningPool)
    scanned = allocate(requests, existing, left)
    assert packing(indexed) == packing(scanned)
    assert (indexed.admitted, indexed.refused) == (scanned.admitted, scanned.refused)


def test_placing_looks_at_a_few_chunks_a_piece_not_at_every_chunk_of_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = PoolKey(RuleKind.BYTES, SOURCES[0])
    reads: list[int] = []
    room = Pool.room

    def counted_room(self: Pool, chunk: int) -> int:
        reads.append(chunk)
        return room(self, chunk)

    monkeypatch.setattr(Pool, "room", counted_room)

    def reads_per_piece(resources: int) -> float:
        reads.clear()
        requests = [
            SharedRequest(f"vpce-{n}", ((key, (f"eni-{n}-a", f"eni-{n}-b", f"eni-{n}-c")),)) for n in range(resources)
        ]
        allocate(requests, {}, None)
        return len(reads) / resources

    # Three ENIs a resource leave every chunk one slot short: a scan would look at every chunk.
    assert reads_per_piece(2000) <= 2 * reads_per_piece(200)
