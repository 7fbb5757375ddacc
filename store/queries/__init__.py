"""Read queries of the Ministry store, as SQLAlchemy Core statements plus small fetch helpers."""
