"""Work on an archive without the network: reparse, resume after a kill, ingest workers' files."""
