"""Recruitment rounds: opening a round, nominations and applications, the council, the minutes."""
