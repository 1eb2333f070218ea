"""The synthetic data generator: demo and benchmark inputs shaped like the seed subdistrict.

Not production code. :func:`flows.demo.generate.generate` is the entry point; the rest, by what
it does (and so where an addition goes):

- the registry: ``subdistrict.py`` (communities, organisations), ``rosters.py`` (evaluators),
  ``registry.py`` (the CSVs in MINYI_HOME/reference), ``entities.py`` (what they hold);
- the rows of each source: ``evaluations.py``, ``hearings.py``, ``branch_reports.py``;
  what people write in them (意见建议, 议题): ``opinions.py``;
- rows made wrong on purpose: ``spoil.py``; a scenario that changes a half-year's rows
  belongs in a module of its own beside it, applied in ``generate.py``;
- files: ``files.py`` (a table as CSV or XLSX), ``submissions.py`` (which files a subdistrict
  sends and their names); filling minyi's blank forms is another writer beside ``files.py``;
- shared draws: ``draws.py`` (seeded generators, shares), ``halfyears.py`` (period texts, dates).
"""
