"""The admin area's processes (versions, upload, download, diff, the BPMN editor) and
instances (viewer, actions, migration); the processes and drafts APIs."""
