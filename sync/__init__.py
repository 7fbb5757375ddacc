"""The pipeline from agency sources into the Ministry store: normalise, validate, upsert."""
