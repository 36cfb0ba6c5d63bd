"""python -m services.approval — runs the approval service until SIGTERM."""

from services.approval.bootstrap import bootstrap
from services.kit.worker import run_worker

if __name__ == "__main__":
    run_worker(*bootstrap())
