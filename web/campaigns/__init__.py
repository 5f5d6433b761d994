"""Phòng VH-XH's board of a campaign: opening it, the units' standings, reminders, returns,
the aggregation (also as .xlsx); and the campaigns API."""
