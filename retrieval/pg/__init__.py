"""The PostgreSQL + pgvector backend: one library shared by many processes on many machines."""
