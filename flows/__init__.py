"""minyi (民意): semiannual evaluation and participation pipeline for subdistrict offices."""

__version__ = "0.1.0"
