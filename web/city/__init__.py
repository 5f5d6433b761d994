"""Sở Nội vụ's pages of the city's consolidation of the communes' submissions."""
