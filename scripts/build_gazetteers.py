"""Build extractor/nlp/data/first_names.txt, the first-name gazetteer of the people rules.

Sources (both openly licensed; neither is needed at run time):
- Faker's person providers (MIT licence): first names of German, Austrian, Swiss, Dutch, Polish,
  Turkish, Italian, French, English, Spanish, Czech, Russian (latin) and Arabic-speaking locales,
  because German press releases quote people with names from all of these.
- GermEval 2014 train (CC BY 4.0, Benikova et al. 2014): first tokens of two-token PER spans that
  are also seen as a first token at least three times (keeps surnames out).

Run: python scripts/build_gazetteers.py [--corpora ../shared/corpora]  (needs `pip install faker`)
"""

from __future__ import annotations

import argparse
import importlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "extractor" / "nlp" / "data" / "first_names.txt"
LOCALES = ["de_DE", "de_AT", "de_CH", "nl_NL", "pl_PL", "tr_TR", "it_IT", "fr_FR", "en_US", "en_GB", "es_ES",
           "cs_CZ", "da_DK", "sv_SE", "hu_HU", "ar_AA", "fa_IR", "hr_HR", "pt_PT", "ro_RO", "fi_FI", "no_NO"]


def faker_names() -> set[str]:
    names: set[str] = set()
    for loc in LOCALES:
        try:
            mod = importlib.import_module(f"faker.providers.person.{loc}")
        except ImportError:
            continue
        prov = mod.Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            val = getattr(prov, attr, None)
            if isinstance(val, dict):
                val = list(val)
            for n in val or []:
                n = str(n).strip()
                if n.isalpha() and n[:1].isupper() and len(n) > 1:
                    names.add(n)
    return names


def germeval_names(corpora: Path) -> set[str]:
    path = corpora / "germeval2014" / "NER-de-train.reconstructed.outer-bio.tsv"
    if not path.exists():
        return set()
    first = Counter()
    span: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        parts = line.split("\t")
        tag = parts[1] if len(parts) > 1 else "O"
        if tag == "B-PER":
            if len(span) == 2:
                first[span[0]] += 1
            span = [parts[0]]
        elif tag == "I-PER" and span:
            span.append(parts[0])
        else:
            if len(span) == 2:
                first[span[0]] += 1
            span = []
    return {n for n, c in first.items() if c >= 3 and n.isalpha() and n[:1].isupper() and len(n) > 2}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    a = ap.parse_args()
    names = faker_names() | germeval_names(a.corpora)
    OUT.write_text(
        "# First names (see scripts/build_gazetteers.py for sources and licences)\n" + "\n".join(sorted(names)) + "\n",
        encoding="utf-8",
    )
    print(f"{len(names)} first names -> {OUT}")


if __name__ == "__main__":
    main()
