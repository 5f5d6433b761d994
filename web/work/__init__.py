"""The officer's inbox and task pages (a task's form as fields, its case in words) and the tasks API."""
