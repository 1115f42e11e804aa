-- One-flight appends (src/store/postgres/one-flight.ts) send their checks — the head this node
-- last committed, its writer lease, the versions its commands expect — in the same flight as
-- their writes and COMMIT. A check that fails must abort the transaction so that the writes
-- behind it change nothing and the COMMIT rolls back: this function raises instead of
-- returning false. VOLATILE so that PostgreSQL never evaluates it ahead of the row it checks.
CREATE FUNCTION "certeasy_expect"("ok" boolean, "what" text) RETURNS boolean
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog
	AS $$
BEGIN
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'certeasy: % changed since this node last appended', what USING ERRCODE = 'P0001';
	END IF;
	RETURN true;
END
$$;
