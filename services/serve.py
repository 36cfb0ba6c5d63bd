"""`pressroom serve PROCESS`: the one way every Pressroom process starts (containers, the chart,
compose, `pressroom up`). Each runs until SIGTERM, then finishes the work in hand and leaves
its consumer group (docs/deployment.md, "Stopping")."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import typer

# SIGTERM to exit: the work in hand is finished and committed, the group left, within this many
# seconds (measured by tests/integration/test_serve.py). Orchestrators wait longer before SIGKILL.
SHUTDOWN_GRACE_S = 30.0


def _drafting() -> None:
    from services.drafting.bootstrap import bootstrap
    from services.kit.worker import run_worker

    run_worker(*bootstrap())


def _approval() -> None:
    from services.approval.bootstrap import bootstrap
    from services.kit.worker import run_worker

    run_worker(*bootstrap())


def _embargo() -> None:
    from services.embargo.bootstrap import bootstrap
    from services.kit.worker import run_worker

    run_worker(*bootstrap())


def _publication() -> None:
    from services.kit.worker import run_worker
    from services.publication.bootstrap import bootstrap

    run_worker(*bootstrap())


def _projector() -> None:
    from services.projector.__main__ import serve

    serve()


def _gateway() -> None:
    from services.gateway.__main__ import main

    main()


# Imported only when chosen: a drafting container never loads FastAPI, the gateway no faust.
PROCESSES: dict[str, Callable[[], None]] = {
    "drafting": _drafting,
    "approval": _approval,
    "embargo": _embargo,
    "publication": _publication,
    "projector": _projector,
    "gateway": _gateway,
}


def serve_command(extra: Mapping[str, Callable[[], None]]) -> Callable[[str], None]:
    """The Typer command; `extra` adds processes outside services/ (the local mail sink)."""
    processes = {**PROCESSES, **extra}

    names = "|".join(processes)

    def serve(
        process: str = typer.Argument(..., metavar=names, help="The process to run."),
    ) -> None:
        """Run one Pressroom process in the foreground until SIGTERM (settings: PRESSROOM_*)."""
        if process not in processes:
            raise typer.BadParameter(f"{process!r} is none of {names}", param_hint="PROCESS")
        _settings_or_exit()
        processes[process]()

    return serve


def _settings_or_exit() -> None:
    """A bad PRESSROOM_* variable is named with what is wrong, exit 2, before anything starts:
    not a traceback from deep in a process's start (a container's log is all an operator has)."""
    from pydantic import ValidationError

    from services.kit.settings import Settings, invalid_settings

    try:
        Settings()
    except ValidationError as error:
        typer.echo(f"Error: {invalid_settings(error)}", err=True)
        raise typer.Exit(2) from None


def main() -> None:
    """`python -m services.serve PROCESS`, for images without the `pressroom` script."""
    typer.run(serve_command({}))


if __name__ == "__main__":
    main()
