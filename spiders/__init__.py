"""One module per site; each module's spider `name` equals its file name."""
