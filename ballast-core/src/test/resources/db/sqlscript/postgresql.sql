-- PostgreSQL: a PL/pgSQL body with semicolons, in a dollar-quoted string
CREATE TABLE IF NOT EXISTS ballast_note (
  id    INT          NOT NULL PRIMARY KEY,
  body  VARCHAR(100) NOT NULL
);
CREATE OR REPLACE FUNCTION ballast_note_add(n INT, b VARCHAR) RETURNS VOID AS $fn$
BEGIN
  -- inside the body; kept as written
  INSERT INTO ballast_note (id, body) VALUES (n, b);
  RETURN;
END;
$fn$ LANGUAGE plpgsql;
SELECT ballast_note_add(1, 'one; with ''quotes''');
SELECT ballast_note_add(2, $$two; dollar-quoted$$);
