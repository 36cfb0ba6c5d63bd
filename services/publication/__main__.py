"""python -m services.publication — runs the publication service until SIGTERM."""

from services.kit.worker import run_worker
from services.publication.bootstrap import bootstrap

if __name__ == "__main__":
    run_worker(*bootstrap())
