"""Where and what: wards, postcodes, deprivation scores, the ward map, and the priority themes and measures."""
