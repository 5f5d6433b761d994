"""The workflow engine: SpiffWorkflow behind a small, persistence-aware API.

Nothing here knows about Flask, APScheduler or the application's services.
"""
