"""``python -m childguard.textrisk.synthetic SOURCE... --out DIR [--n N] [--informal M] [--seed S]
[--only {all,main,informal}]``.

Reads the hand-written conversations under SOURCE (their training split only), generates the
synthetic set (``synthetic-LANG.jsonl``) and the long informal chats (``informal-LANG.jsonl``)
and writes them under DIR, one JSON Lines file per language and set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from childguard.textrisk.synthetic import generate, generate_informal, harvest, write
from childguard.textrisk.training import is_test_id

DEFAULT_N = 2400
DEFAULT_SEED = 15
DEFAULT_INFORMAL = 150


def main(argv: list[str] | None = None) -> None:
    """Generate the synthetic training set (deterministic for a given seed and sources)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", type=Path, help="folders of hand-written *.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="conversations to generate")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--informal", type=int, default=DEFAULT_INFORMAL,
        help="long informal chats to generate (chit-chat, chat-room ages)",
    )  # fmt: skip
    parser.add_argument(
        "--only", choices=("all", "main", "informal"), default="all",
        help="write only one of the two sets (each is generated independently of the other)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    records = []
    for source in args.sources:
        for path in sorted(source.glob("*.jsonl")):  # top level only: never our own output
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    if not is_test_id(str(rec["id"])):
                        records.append(rec)
    banks = harvest(records)
    paths = []
    if args.only in ("all", "main"):
        paths += write(generate(args.seed, args.n, banks), args.out)
    if args.only in ("all", "informal"):
        paths += write(generate_informal(args.seed, args.informal, banks), args.out, "informal")
    for path in paths:
        print(path)


if __name__ == "__main__":
    main()
