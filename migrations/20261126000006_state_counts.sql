-- Applications per state, kept exact by statement-level triggers, so the review queue's counts
-- read three rows instead of counting the whole table on every page view. Only net changes
-- touch a counter row (an update that keeps the state takes no lock here), and rows are
-- changed in state order so concurrent transitions never deadlock.

CREATE TABLE application_state_counts (
    state TEXT PRIMARY KEY,
    n     BIGINT NOT NULL
);
INSERT INTO application_state_counts (state, n)
    SELECT state, count(*) FROM applications GROUP BY state;

CREATE FUNCTION count_application_states() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO application_state_counts AS c (state, n)
            SELECT state, count(*) FROM new_rows GROUP BY state ORDER BY state
            ON CONFLICT (state) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE application_state_counts c SET n = c.n - d.k
            FROM (SELECT state, count(*) AS k FROM old_rows GROUP BY state ORDER BY state) d
            WHERE c.state = d.state;
    ELSE
        INSERT INTO application_state_counts AS c (state, n)
            SELECT state, sum(d) FROM (
                SELECT state, -1 AS d FROM old_rows
                UNION ALL
                SELECT state, 1 AS d FROM new_rows
            ) x
            GROUP BY state HAVING sum(d) <> 0 ORDER BY state
            ON CONFLICT (state) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER applications_count_insert AFTER INSERT ON applications
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_application_states();
CREATE TRIGGER applications_count_update AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_application_states();
CREATE TRIGGER applications_count_delete AFTER DELETE ON applications
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_application_states();
