-- The rows of a projection update or delete travel as one JSON array parameter (recordset.ts).
-- json_to_recordset tells the planner to expect 100 rows, so below some 25,000 rows in the
-- target table PostgreSQL joined them by a sequential scan of the whole table, for every
-- keyed update of every batch. This function hands the planner an estimate of 1 row: the
-- keyed statements then probe the primary key for each row of the batch.
-- STRICT and SET search_path keep PostgreSQL from inlining the SQL body (inlining would bring
-- back json_array_elements' own estimate of 100).
CREATE FUNCTION "certeasy_json_rows"("rows" json) RETURNS SETOF json
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 1
	SET search_path = pg_catalog
	AS $$ SELECT json_array_elements("rows") $$;
