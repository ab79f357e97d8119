"""Ranking quality per corpus and mode, on SQLite and PostgreSQL (bench, not a test).

Runs `govlotse eval rank`'s pipeline (the production one) for lexical-only, semantic-only and hybrid,
scores with ../shared/eval/score.py and writes bench/results/quality.json and quality.md.
Document vectors are cached under ./var/cache, so reruns only embed the queries.

    python bench/quality.py [--corpora yc usai mdk judged_de] [--backends sqlite postgresql]
    python bench/quality.py --steps [--corpora ...]   # cross-language steps, one at a time (SQLite)

``--steps`` measures each step of the cross-language work on its own (bench/results/crosslingual.json and
.md): before, + hubness correction, + translated query words, + the embedded word-by-word rendering.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SHARED, database, write

REFERENCE_BM25 = {"yc": 0.248, "usai": 0.202, "mdk": 0.419, "judged_de": 0.022}
CORPUS_OF = {"judged_de": "yc"}


def score(queries: Path, rankings: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            str(SHARED / "eval" / "score.py"),
            "--queries",
            str(queries),
            "--rankings",
            str(rankings),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    return {k: round(float(v), 4) for k, v in data.items() if isinstance(v, int | float)}


def run(corpus_name: str, backend: str, mode: str, pg_url: str | None) -> dict[str, float]:
    from govlotse.matching import evaluation

    corpus = SHARED / "eval" / "corpora" / f"{CORPUS_OF.get(corpus_name, corpus_name)}.jsonl"
    queries = SHARED / "eval" / f"queries_public_{corpus_name}.jsonl"
    rankings = evaluation.rank_corpus(
        corpus, queries, top=100, mode=mode, database="sqlite" if backend == "sqlite" else pg_url or ""
    )
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for qid, ranking in rankings:
            fh.write(json.dumps({"id": qid, "ranking": ranking}) + "\n")
    return score(queries, Path(fh.name))


STEPS = {  # name: (hubness weight, translate words, embed the rendering)
    "before": (0.0, False, False),
    "+ hubness correction": (0.5, False, False),
    "+ translated query words": (0.5, True, False),
    "+ embedded rendering (all)": (0.5, True, True),
}


STEP_MODES = {"judged_de": ("semantic", "hybrid")}  # the other corpora: hybrid only (their queries stay monolingual)


def steps(corpora: list[str]) -> None:
    """Each cross-language step on its own, on SQLite."""
    from govlotse.config import settings
    from govlotse.matching import crosslingual

    renderings = crosslingual.renderings
    results = []
    for name, (hub, words, rendering) in STEPS.items():
        settings.search_hubness_weight, settings.search_translate = hub, words
        crosslingual.renderings = renderings if rendering else (lambda text: {})  # type: ignore[assignment]
        for corpus in corpora:
            for mode in STEP_MODES.get(corpus, ("hybrid",)):
                row = {"step": name, "corpus": corpus, "mode": mode, **run(corpus, "sqlite", mode, None)}
                print(json.dumps(row), file=sys.stderr, flush=True)
                results.append(row)
    crosslingual.renderings = renderings
    write("crosslingual", {"steps": list(STEPS), "results": results})
    columns = [(c, m) for c in corpora for m in STEP_MODES.get(c, ("hybrid",))]
    lines = ["| step | " + " | ".join(f"{c} {m}" for c, m in columns) + " |", "|---|" + "---|" * len(columns)]
    for name in STEPS:
        cells = [
            str(next(r for r in results if (r["step"], r["corpus"], r["mode"]) == (name, c, m)).get("ndcg@10"))
            for c, m in columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    (RESULTS / "crosslingual.md").write_text("ndcg@10 per step (SQLite)\n\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpora", nargs="+", default=["yc", "usai", "mdk", "judged_de"])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--modes", nargs="+", default=["lexical", "semantic", "hybrid"])
    parser.add_argument("--steps", action="store_true", help="measure the cross-language steps one by one")
    args = parser.parse_args()
    if args.steps:
        steps(args.corpora)
        return
    results = []
    for backend in args.backends:
        for corpus in args.corpora:
            if backend == "sqlite":
                rows = [(mode, run(corpus, backend, mode, None)) for mode in args.modes]
            else:
                with database("postgresql") as url:  # a throwaway PostgreSQL per corpus
                    rows = [(mode, run(corpus, backend, mode, url)) for mode in args.modes]
            for mode, metrics in rows:
                row = {
                    "backend": backend,
                    "corpus": corpus,
                    "mode": mode,
                    **metrics,
                    "x_reference_bm25": round(metrics.get("ndcg@10", 0) / REFERENCE_BM25[corpus], 2),
                }
                print(json.dumps(row), file=sys.stderr, flush=True)
                results.append(row)
    # Runs for one backend or corpus keep the other figures of earlier runs.
    previous = (
        json.loads((RESULTS / "quality.json").read_text()).get("results", [])
        if (RESULTS / "quality.json").exists()
        else []
    )
    fresh = {(r["backend"], r["corpus"], r["mode"]) for r in results}
    results = [r for r in previous if (r["backend"], r["corpus"], r["mode"]) not in fresh] + results
    results.sort(key=lambda r: (r["backend"], list(REFERENCE_BM25).index(r["corpus"]), r["mode"]))
    write("quality", {"results": results, "reference_bm25_ndcg@10": REFERENCE_BM25})
    lines = ["| backend | corpus | mode | ndcg@10 | recall@50 | × BM25 ref |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {r['backend']} | {r['corpus']} | {r['mode']} | {r.get('ndcg@10')} | {r.get('recall@50')} | "
        f"{r['x_reference_bm25']} |"
        for r in results
    ]
    (Path(__file__).parent / "results" / "quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
