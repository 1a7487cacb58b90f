"""moto's server in a process of its own, so the benchmarks' clients do not share a GIL with it:
`python -m bench.server PORT [--data-dir DIR] [--moto-backup]` prints `ready` and serves until its stdin
closes. `--moto-backup` puts back moto's own transactions (a copy of every table a transaction names),
to measure what `skill.local.transactions` buys."""

import sys
import threading
from pathlib import Path
from typing import Any

from skill.local import transactions
from skill.local.awsserver import EmbeddedAws


def moto_backup() -> None:
    """moto's own `transact_write_items`, one transaction at a time as the replacement runs them."""
    from moto.dynamodb.models import DynamoDBBackend

    own = transactions.moto_transact_write_items
    assert own is not None
    one_at_a_time = threading.Lock()

    def serialised(backend: Any, items: list[dict[str, Any]]) -> None:
        with one_at_a_time:
            own(backend, items)

    setattr(DynamoDBBackend, "transact_write_items", serialised)  # noqa: B010


def main(argv: list[str]) -> None:
    data_dir = Path(argv[argv.index("--data-dir") + 1]) if "--data-dir" in argv else None
    server = EmbeddedAws(port=int(argv[0]), data_dir=data_dir).start()
    if "--moto-backup" in argv:
        moto_backup()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
