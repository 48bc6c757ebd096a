"""Follow-up questions: how often a standalone question is rewritten (it should not be), and how
often a real follow-up's answer passage is in the top 5 after rewriting.

    .venv/bin/python benchmarks/followups.py [--index .cache/eval/answerability/index]

Pairs: `eval/followups.jsonl` (written before the rule; the rule was designed looking at it),
`eval/followups_check.jsonl` (written blind, then looked at and tuned on: tuning data now) and
`eval/followups_check2.jsonl` (written blind, measured, then tuned on: the rule's "dan", closing
"dat" and "of something unnamed" cues come from its misses) and `eval/followups_check3.jsonl`
(written afterwards by someone who never saw the rule or the other sets: the held-out figure).
Each pair is asked as the product asks it: the first question, then the second with the
first in the history (`Assistant.ask` with the rule-based rewrite, no language model). For
comparison the same is measured with the rule this replaced (every question under nine words, or
with a referring word among its first three, was prefixed with the previous question). Also: the
share of the standalone evaluation questions (`eval/dev.jsonl`, `answerability.jsonl`,
`heldout.jsonl`) the rule would rewrite if asked after another question — an upper bound, as a
few of them say "her" or "it" about a person or thing they do not name.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from _common import REPO, machine, settings, table, write_results

SETS = tuple(
    REPO / "eval" / f"{name}.jsonl"
    for name in ("followups", "followups_check", "followups_check2", "followups_check3")
)
STANDALONE_SETS = tuple(REPO / "eval" / f"{name}.jsonl" for name in ("dev", "answerability", "heldout"))
K = 5
_OLD_REFERRING = frozenset(
    "dat dit die deze het hij zij ze hun hem haar daar daarvan daarover ervan erover erbij hiervan "
    "hierover zo ook nog en maar waarom hoe wanneer "
    "it its this that these those they them their he she his her there also and why how when".split()
)


def old_rule(question: str) -> bool:
    words = [w.lower() for w in re.findall(r"\w+", question)]
    return len(words) < 9 or any(w in _OLD_REFERRING for w in words[:3])


def measure(path: Path, retriever: Any) -> dict[str, Any]:
    from rag.followup import leans_on_conversation, rule_based_rewrite

    pairs = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    result: dict[str, Any] = {"pairs": len(pairs)}
    for name, decides in (("new rule", leans_on_conversation), ("old rule", old_rule)):
        standalone = [p for p in pairs if not p["followup"]]
        followups = [p for p in pairs if p["followup"]]
        rewritten = sum(decides(p["second"]) for p in standalone)
        found = 0
        for pair in followups:
            history = [{"role": "user", "content": pair["first"]}]
            query = rule_based_rewrite(pair["second"], history) if decides(pair["second"]) else pair["second"]
            gold = " ".join(pair["gold"].split())
            found += any(gold in hit.chunk.text for hit in retriever.search(query, k=K))
        result[name] = {
            "standalone rewritten": f"{rewritten}/{len(standalone)}",
            "standalone rewritten share": rewritten / len(standalone),
            "follow-ups detected": f"{sum(decides(p['second']) for p in followups)}/{len(followups)}",
            "follow-up answer in top 5": f"{found}/{len(followups)}",
            "follow-up answer in top 5 share": found / len(followups),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / ".cache/eval/answerability/index")
    args = parser.parse_args()

    from rag.embedding import load_embedder
    from rag.retrieval.retriever import Retriever

    config = settings(index_dir=args.index)
    retriever = Retriever.open(config, load_embedder(config))
    results = {path.name: measure(path, retriever) for path in SETS if path.exists()}
    standalone = standalone_rewritten()
    rows = [
        [
            name,
            rule,
            figures["standalone rewritten"],
            figures["follow-ups detected"],
            figures["follow-up answer in top 5"],
        ]
        for name, result in results.items()
        for rule, figures in result.items()
        if rule != "pairs"
    ]
    print(
        table(
            ["set", "rule", "standalone rewritten", "follow-ups detected", "follow-up answer in top 5"], rows
        )
    )
    print(f"\nstandalone evaluation questions the rule would rewrite: {standalone}")
    written = write_results("followups", {"machine": machine(), "sets": results, "standalone": standalone})
    print(f"\nresults: {written}")


def standalone_rewritten() -> dict[str, str]:
    from rag.followup import leans_on_conversation

    counts = {}
    for path in STANDALONE_SETS:
        questions = [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines() if line]
        counts[path.name] = f"{sum(map(leans_on_conversation, questions))}/{len(questions)}"
    return counts


if __name__ == "__main__":
    sys.exit(main())
