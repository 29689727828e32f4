"""``python -m childguard.textrisk.synthetic SOURCE... --out DIR [--n N] [--seed S]``.

Reads the hand-written conversations under SOURCE (their training split only), generates the
synthetic set and writes it under DIR, one JSON Lines file per language.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from childguard.textrisk.synthetic import generate, harvest, write
from childguard.textrisk.training import is_test_id

DEFAULT_N = 2400
DEFAULT_SEED = 15


def main(argv: list[str] | None = None) -> None:
    """Generate the synthetic training set (deterministic for a given seed and sources)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", type=Path, help="folders of hand-written *.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="conversations to generate")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    records = []
    for source in args.sources:
        for path in sorted(source.glob("*.jsonl")):  # top level only: never our own output
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    if not is_test_id(str(rec["id"])):
                        records.append(rec)
    convs = generate(args.seed, args.n, harvest(records))
    for path in write(convs, args.out):
        print(path)


if __name__ == "__main__":
    main()
