"""The collection loop: forms written from the registry for the offices to fill
(``templates``), and who has not yet sent a valid one (``gaps``)."""
