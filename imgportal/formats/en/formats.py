"""The portal's one way of writing dates on pages (issue 22): "Tue 10 Feb 2026"
and "Tue 10 Feb 2026, 18:00" (24-hour clock, as hospital rotas write it).
Django's English locale would say "Feb. 10, 2026, 6 p.m."; a format module
is the one place that outranks it. CSV files write ISO 8601 instead
(`imgportal/csv_export.py`)."""

DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
