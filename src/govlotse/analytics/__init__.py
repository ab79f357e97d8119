"""Analytics: figures for the unit and leadership, the public statistics page, privacy-friendly usage counts."""
