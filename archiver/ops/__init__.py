"""Running the tool: schedules, and the offline demo with the site it serves."""
