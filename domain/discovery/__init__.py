"""Discovery: search and the map over every kind of item. Each capability feeds it through a
source it registers under its kind; discovery knows none of them by name."""
