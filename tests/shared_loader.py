"""One botocore data loader for every session the tests make, so each service model is read once per process.

botocore gives each new Session its own Loader, and a Loader caches the JSON models it reads (service,
endpoint rules, paginators) only for itself: the suite's thousands of sessions (boto3.Session() in the
harness, in Clients, in the demo world) would parse the same files again and again. Loaded models are
read-only data, so sharing them is what one session making many clients already does. Only the loader
is shared: each session keeps its own event emitter, credentials and configuration, so hooks registered
on one session (the recording hooks, the needs-retry veto) never reach another.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import botocore.loaders
import botocore.session
import pytest


class UniquePaths(list[str]):
    """boto3 appends its own data directory to the loader of each Session it makes: once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)

    def extend(self, paths: Iterable[str]) -> None:
        for path in paths:
            self.append(path)


_LOADERS: dict[str | None, botocore.loaders.Loader] = {}


def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    """What botocore.loaders.create_loader makes, one per data_path setting (AWS_DATA_PATH) and process."""
    if search_path_string not in _LOADERS:
        extra = [] if search_path_string is None else search_path_string.split(os.pathsep)
        paths = UniquePaths(os.path.expanduser(os.path.expandvars(path)) for path in extra)
        _LOADERS[search_path_string] = botocore.loaders.Loader(extra_search_paths=paths)
    return _LOADERS[search_path_string]


@contextmanager
def sharing_one_loader() -> Iterator[None]:
    """Every botocore Session made inside the block gets the process's shared loader."""
    # Session._register_data_loader looks create_loader up in botocore.session when the loader is first needed.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared_loader)
        yield
