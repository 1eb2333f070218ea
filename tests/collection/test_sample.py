"""The demo's returned forms load as any valid return does."""

from __future__ import annotations

import csv

from flows.collection.sample import return_some_forms
from flows.collection.templates import write_templates
from flows.ingest.batch import ingest
from flows.periods import Period
from flows.settings import Settings


def test_the_first_communitys_forms_come_back_filled_and_load(settings: Settings) -> None:
    period = Period(2026, 1)
    forms = write_templates(settings, period)
    returned = return_some_forms(forms, settings.home / "returned", period, seed=7)
    assert sorted(p.name.split("-")[1] for p in returned) == ["C01", "C01", "C01"]
    summary = ingest(settings, returned).summary
    with (settings.reference_dir / "evaluators.csv").open(encoding="utf-8-sig") as fh:
        roster = [
            r for r in csv.DictReader(fh) if (r["period"], r["community_id"]) == ("2026H1", "C01")
        ]
    with (settings.reference_dir / "organisations.csv").open(encoding="utf-8-sig") as fh:
        orgs = [r for r in csv.DictReader(fh) if r["community_id"] == "C01"]
    # The roster but three evaluators, the organisations but three, three hearings.
    assert summary.rows_quarantined == 0
    assert summary.rows_loaded == (len(roster) - 3) + (len(orgs) - 3) + 3
