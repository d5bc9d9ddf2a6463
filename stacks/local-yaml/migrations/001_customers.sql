-- Customers of the demo shop. nation_key joins TPC-H's nation table.
CREATE TABLE customers (
  id         integer PRIMARY KEY,
  name       text    NOT NULL,
  email      text    NOT NULL UNIQUE,
  region     text    NOT NULL CHECK (region IN ('EU', 'US', 'APAC')),
  nation_key integer NOT NULL
);

INSERT INTO customers (id, name, email, region, nation_key) VALUES
  (1, 'Ada Lindqvist',   'ada.lindqvist@example.co.uk', 'EU', 23),
  (2, 'Bruno Ionescu',   'bruno.ionescu@example.ro',   'EU', 19),
  (3, 'Chloé Martin',    'chloe.martin@example.fr',    'EU',  6),
  (4, 'Dieter Vogel',    'dieter.vogel@example.de',    'EU',  7),
  (5, 'Emily Carter',    'emily.carter@example.com',   'US', 24),
  (6, 'Frank Osei',      'frank.osei@example.com',     'US', 24),
  (7, 'Hiro Tanaka',     'hiro.tanaka@example.jp',     'APAC', 12),
  (8, 'Isha Patel',      'isha.patel@example.in',      'APAC',  8);
