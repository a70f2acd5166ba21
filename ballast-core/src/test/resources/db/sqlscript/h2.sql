-- a comment with a ; in it; and ballast_notes named
CREATE TABLE IF NOT EXISTS ballast_note (
  id    INT          NOT NULL PRIMARY KEY, -- trailing comment; still the same statement
  body  VARCHAR(100) NOT NULL
);
/* a block comment;
   over two lines */
;;
INSERT INTO ballast_note (id, body) VALUES (1, 'a; b -- not a comment, ballast_x stays');
INSERT INTO ballast_note (id, body) VALUES (2, 'it''s; quoted')
