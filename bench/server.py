"""moto's server in a process of its own, so the benchmarks' clients do not share a GIL with it:
`python -m bench.server PORT` serves until its stdin closes."""

import sys

from skill.local.awsserver import EmbeddedAws


def main() -> None:
    server = EmbeddedAws(port=int(sys.argv[1])).start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
