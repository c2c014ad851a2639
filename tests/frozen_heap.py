"""What a test process keeps to its end, moved out of the garbage collector's walks (gc.freeze).

Each full collection walks every object still alive. A worker keeps a large heap for good: the modules,
the collected tests, and the service models that botocore and moto parse once and keep (some 200,000
dicts: EC2's list of endpoint services alone makes moto parse forty more models). The suite's many
short-lived objects start a full collection every few tests, and each walked all of it again.

So the heap is frozen after collection, and again before a test whenever models were parsed since the
last freeze (they are parsed on first use, in whichever test comes first). A collection runs first, so
only what is alive then is frozen: the models, the caches, a freshly reset moto. A freeze is a single
cheap collection once the lasting heap is frozen; a run freezes again a few times, one per new model.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

import botocore.loaders

_PARSE_FILE = botocore.loaders.JSONFileLoader.load_file


@dataclass
class ModelFiles:
    """Model files parsed in this process, by botocore's loaders and moto's (a subclass of them)."""

    parsed: int = 0
    parsed_at_freeze: int = -1


MODEL_FILES = ModelFiles()


def counting_load_file(self: Any, file_path: str) -> Any:
    """JSONFileLoader.load_file, counted when it parses a file (loaders cache what it returns)."""
    data = _PARSE_FILE(self, file_path)
    if data is not None:
        MODEL_FILES.parsed += 1
    return data


def freeze() -> None:
    """Collects what is garbage now, then freezes what is alive: no later collection walks it."""
    gc.collect()
    gc.freeze()
    MODEL_FILES.parsed_at_freeze = MODEL_FILES.parsed


def freeze_if_models_were_parsed() -> None:
    if MODEL_FILES.parsed != MODEL_FILES.parsed_at_freeze:
        freeze()
