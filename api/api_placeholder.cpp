// Replaced by the api sources.
