"""The shared kernel every context uses: database, configuration, audit, errors, display of
times and deadlines, instance files, the schema, the legal policies and the tables they own."""
