// Forms (see docs/screens.md): filled in by the forms work of this round.
