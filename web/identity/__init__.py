"""Sign-in and sign-out pages; the admin's view of accounts (sessions, unlock, disabling)."""
