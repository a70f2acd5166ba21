-- MariaDB: semicolons in literals and in a backtick identifier
CREATE TABLE IF NOT EXISTS ballast_note (
  id          INT          NOT NULL PRIMARY KEY,
  body        VARCHAR(100) NOT NULL,
  `odd;name`  INT          DEFAULT 0
);
/* no statement here; */
INSERT INTO ballast_note (id, body) VALUES (1, 'one; with ''quotes''');
INSERT INTO ballast_note (id, body, `odd;name`) VALUES (2, 'two -- and /* not comments */', 7)
