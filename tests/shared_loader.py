"""One botocore data loader for every session the tests make, so each service model is read once per process;
and what botocore inspects of each event handler, remembered.

botocore gives each new Session its own Loader, and a Loader caches the JSON models it reads (service,
endpoint rules, paginators) only for itself: the suite's thousands of sessions (boto3.Session() in the
harness, in Clients, in the demo world) would parse the same files again and again. Loaded models are
read-only data, so sharing them is what one session making many clients already does. Only the loader
is shared: each session keeps its own event emitter, credentials and configuration, so hooks registered
on one session (the recording hooks, the needs-retry veto) never reach another.

Each new Session also registers botocore's ~130 built-in handlers, and checks by inspect.getfullargspec
that each takes **kwargs, and translates each event name through botocore's aliases, each emitter in a
cache of its own: the same answers every time, so they are remembered here for the whole process.
So are each client's class and its ServiceModel, which the client only reads.
"""

from __future__ import annotations

import inspect
import os
import types
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import botocore.hooks
import botocore.loaders
import botocore.model
import botocore.session
import pytest

from tests.frozen_heap import counting_load_file


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


_TAKES_KWARGS: weakref.WeakKeyDictionary[Callable[..., Any], bool] = weakref.WeakKeyDictionary()


def accepts_kwargs(handler: Callable[..., Any]) -> bool:
    """botocore.compat.accepts_kwargs, remembered per function (a bound method asks of its function)."""
    function = handler.__func__ if isinstance(handler, types.MethodType) else handler
    if not isinstance(function, types.FunctionType):
        return bool(inspect.getfullargspec(handler).varkw)
    if function not in _TAKES_KWARGS:
        _TAKES_KWARGS[function] = bool(inspect.getfullargspec(function).varkw)
    return _TAKES_KWARGS[function]


_ALIASED_NAMES: dict[str, str] = {}  # event name -> aliased name, under botocore's own EVENT_ALIASES
_ALIASER_INIT = botocore.hooks.EventAliaser.__init__


def aliaser_init(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
    """EventAliaser.__init__, sharing its name cache with every other aliaser of the default aliases."""
    _ALIASER_INIT(self, event_emitter, event_aliases)
    if self._event_aliases == botocore.hooks.EVENT_ALIASES:
        self._alias_name_cache = _ALIASED_NAMES


_CLIENT_CLASSES: dict[tuple[str, str], type] = {}  # (service, API version) -> the client class
_CREATE_CLIENT_CLASS = botocore.client.ClientCreator._create_client_class  # type: ignore[attr-defined]


def create_client_class(self: Any, service_name: str, service_model: Any) -> type:
    """ClientCreator._create_client_class, once per service and API version. botocore builds a new class
    (a method per operation, 600 for EC2) for every client; every session here registers the same
    class-building handlers (botocore's and boto3's), so the class is the same each time. What a client
    holds of its own (its config, endpoint, event hooks, retry state) is on the instance."""
    key = (service_name, service_model.api_version)
    if key not in _CLIENT_CLASSES:
        _CLIENT_CLASSES[key] = _CREATE_CLIENT_CLASS(self, service_name, service_model)
    return _CLIENT_CLASSES[key]


_SERVICE_MODELS: dict[int, tuple[Any, botocore.model.ServiceModel]] = {}  # id(model JSON) -> (it, its ServiceModel)


def load_service_model(self: Any, service_name: str, api_version: str | None = None) -> botocore.model.ServiceModel:
    """ClientCreator._load_service_model, one ServiceModel per model the loader holds. A ServiceModel
    builds its operation models and shapes when first asked and keeps them: each new one built them
    again, EC2's 700 operation models alone on every client (endpoint_discovery_operation looks at
    each). Clients only read it; the JSON it reads is the loader's, shared already."""
    json_model = self._loader.load_service_model(service_name, "service-2", api_version=api_version)
    if id(json_model) not in _SERVICE_MODELS:  # the JSON is kept with it, so its id stays its own
        _SERVICE_MODELS[id(json_model)] = (json_model, botocore.model.ServiceModel(json_model, service_name))
    return _SERVICE_MODELS[id(json_model)][1]


@contextmanager
def sharing_one_loader() -> Iterator[None]:
    """Every botocore Session made inside the block gets the process's shared loader."""
    # Session._register_data_loader looks create_loader up in botocore.session when the loader is first
    # needed; the emitter looks accepts_kwargs up in botocore.hooks at each register.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared_loader)
        patch.setattr(botocore.hooks, "accepts_kwargs", accepts_kwargs)
        patch.setattr(botocore.hooks.EventAliaser, "__init__", aliaser_init)
        patch.setattr(botocore.client.ClientCreator, "_create_client_class", create_client_class)
        patch.setattr(botocore.client.ClientCreator, "_load_service_model", load_service_model)
        patch.setattr(botocore.loaders.JSONFileLoader, "load_file", counting_load_file)
        yield
