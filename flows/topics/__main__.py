"""Check a taxonomy file, or tag opinions from standard input, for organizers editing one.

    python -m flows.topics check [FILE]          # default: the topics setting
    python -m flows.topics tag [FILE] < opinions.txt

A broken file prints one line naming the file and the line, and exits with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flows.messages import msg
from flows.settings import load_settings
from flows.topics.classify import classify, explain
from flows.topics.taxonomy import Taxonomy, TaxonomyError, load_taxonomy


def check(taxonomy: Taxonomy, lang: str) -> int:
    """Print the taxonomy's size and every example not tagged with its topic; 1 if any."""
    print(
        msg(
            "topics_check_ok",
            lang,
            path=taxonomy.path,
            topics=len(taxonomy.topics),
            keywords=sum(len(topic.keywords) for topic in taxonomy.topics),
            hints=sum(len(topic.hints) for topic in taxonomy.topics),
            fallback=taxonomy.fallback,
        )
    )
    missed = 0
    for topic in taxonomy.topics:
        for example, found in zip(topic.examples, classify(topic.examples, taxonomy), strict=True):
            if topic.code not in found:
                missed += 1
                print(
                    msg(
                        "topics_example_missed",
                        lang,
                        code=topic.code,
                        line=topic.line,
                        example=example,
                        found=", ".join(found) or "-",
                    )
                )
    return 1 if missed else 0


def tag(taxonomy: Taxonomy, lang: str) -> int:
    """Print each opinion read from standard input with its topics and the words found."""
    opinions = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for opinion, topics in zip(opinions, classify(opinions, taxonomy), strict=True):
        names = "、".join(taxonomy.name(code, lang) for code in topics) or "-"
        found = "; ".join(
            f"{code}: {' '.join(terms)}" for code, terms in explain(opinion, taxonomy).items()
        )
        print(f"{opinion}\t{names}\t{found}")
    return 0


def main(argv: list[str]) -> int:
    """Run ``check`` or ``tag`` on the named taxonomy file, or the configured one."""
    settings = load_settings()
    if not argv or argv[0] not in ("check", "tag") or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[1]) if len(argv) == 2 else settings.topics_path
    try:
        taxonomy = load_taxonomy(path)
    except TaxonomyError as error:
        print(error.message(settings.lang), file=sys.stderr)
        return 2
    return check(taxonomy, settings.lang) if argv[0] == "check" else tag(taxonomy, settings.lang)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
