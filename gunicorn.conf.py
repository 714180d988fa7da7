"""gunicorn settings for Ajunta (picked up automatically from the working directory).

Workers, bind address and timeouts are given on the command line or in GUNICORN_CMD_ARGS; this
file only prepares what each worker should have ready before its first request.
"""


def post_fork(server, worker):
    # Load and cut the PDF fonts now (about half a second) instead of in the first receipt.
    from ajunta.core.pdf import warm_up

    warm_up()


def child_exit(server, worker):
    # Prometheus multiprocess mode (docs/operations.md, Metrics): a dead worker's gauges go.
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
