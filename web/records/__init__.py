"""The records clerk's pages: a body's registers of documents sent and received."""
