"""python -m services.drafting — runs the drafting service until SIGTERM."""

from services.drafting.bootstrap import bootstrap
from services.kit.worker import run_worker

if __name__ == "__main__":
    run_worker(*bootstrap())
