"""The legal calendar API (working days and days off, each year's confirmation)."""
