"""Build the order PDF of a 150-measure roadmap and print seconds and pages.

    DATABASE_URL=... .venv/bin/python bench/bench_order_pdf.py [--measures 150] [--runs 3]

The measures are the Baltiysk seed's, repeated to the count asked, in sections
of 30. WeasyPrint is imported and warmed up first, as in a running worker.
Target (DESIGN.md): under 5 s.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.template.loader import render_to_string

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    from django.contrib.auth import get_user_model

    from infra.output.pdf import html_to_pdf
    from reports.builders import (
        builder_for,
        documents,  # noqa: F401  registers the builders
    )
    from roadmaps.importers import parse_roadmap_document
    from roadmaps.models import Measure, Roadmap, Section
    from schools.models import Municipality

    seed = ROOT / "tests" / "data" / "seeds" / "baltiysk-2023-order-1081.txt"
    parsed = parse_roadmap_document(seed.read_bytes(), seed.name)
    source = []

    def collect(sections):
        for section in sections:
            source.extend(section.measures)
            collect(section.sections)

    collect(parsed.sections)
    municipality = Municipality.objects.get(region__code="39", code="01")
    roadmap = Roadmap.objects.create(
        region=municipality.region,
        municipality=municipality,
        title=parsed.title,
        order_number=parsed.order.number,
        order_date=parsed.order.date,
        order_place=parsed.order.place,
        order_title=parsed.order.title,
        order_preamble=parsed.order.preamble,
        order_items=parsed.order.items,
        order_signatory=parsed.order.signatory,
        order_signatory_position=parsed.order.signatory_position,
    )
    section = None
    for index in range(args.measures):
        if index % 30 == 0:
            section = Section.objects.create(
                roadmap=roadmap,
                number=f"{index // 30 + 1}.",
                title=f"Раздел {index // 30 + 1}",
                position=index,
            )
        m = source[index % len(source)]
        Measure.objects.create(
            roadmap=roadmap,
            section=section,
            number=f"{section.number}{index % 30 + 1}.",
            text=m.text,
            participants=m.participants,
            deadline_text=m.deadline_text,
            responsible_text=m.responsible_text,
            result=m.result,
            position=index,
        )
    user = get_user_model().objects.get(username="official")
    builder = builder_for("order")
    html_to_pdf("<p>warm-up</p>")

    times, pages = [], 0
    for _ in range(args.runs):
        start = time.perf_counter()
        prepared = builder.prepare(params={"roadmap": roadmap.pk}, user=user)
        html = render_to_string(builder.template, dict(builder.context(prepared), for_print=True))
        pdf = html_to_pdf(html)
        times.append(time.perf_counter() - start)
        pages = pdf.pages
    print(
        f"order PDF, {args.measures} measures: {pages} pages; "
        f"median {statistics.median(times):.2f} s over {args.runs} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}); target < 5 s"
    )


if __name__ == "__main__":
    main()
