"""The bell (unread notifications on every page) and the notifications API."""
