"""python -m services.embargo — runs the embargo service until SIGTERM."""

from services.embargo.bootstrap import bootstrap
from services.kit.worker import run_worker

if __name__ == "__main__":
    run_worker(*bootstrap())
