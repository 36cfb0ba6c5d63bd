"""Every dependency of every route runs on the event loop: FastAPI hands a plain `def` one to a
worker thread and back, which cost a tenth of the gateway's CPU per request."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.gateway.app import create_app
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router, kept apart by FastAPI
            yield from _api_routes(route.original_router.routes)


def _on_loop(call: Any) -> bool:
    """A coroutine function, or an object (a security scheme) whose __call__ is one."""
    plain = inspect.isfunction(call) or inspect.ismethod(call)
    return inspect.iscoroutinefunction(call if plain else type(call).__call__)


def test_no_route_hands_a_dependency_or_itself_to_a_worker_thread() -> None:
    app = create_app(
        Settings(demo_tokens=True),
        bus=FakeCommandBus(respond=lambda _: None),
        reads=FakeReadModel(),
    )
    routes = list(_api_routes(app.routes))
    assert len(routes) > 20
    in_threads = {
        f"{route.path}: {getattr(call, '__name__', call)}"
        for route in routes
        for call in (route.endpoint, *_calls(route.dependant))
        if not _on_loop(call)
    }
    assert in_threads == set()
