-- Orders; amounts in euro cents, so BIGINT sums stay exact.
CREATE TABLE orders (
  id          bigint  PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  ordered_on  date    NOT NULL,
  amount      bigint  NOT NULL CHECK (amount > 0)
);

INSERT INTO orders (id, customer_id, ordered_on, amount) VALUES
  (1001, 1, DATE '2026-09-02', 12900),
  (1002, 1, DATE '2026-10-14',  4550),
  (1003, 2, DATE '2026-09-21', 31000),
  (1004, 3, DATE '2026-10-01',  8990),
  (1005, 4, DATE '2026-10-30', 15075),
  (1006, 5, DATE '2026-09-11', 22000),
  (1007, 5, DATE '2026-11-03',  6100),
  (1008, 6, DATE '2026-10-19',  9900),
  (1009, 7, DATE '2026-11-08', 45000),
  (1010, 8, DATE '2026-11-12',  3800);
