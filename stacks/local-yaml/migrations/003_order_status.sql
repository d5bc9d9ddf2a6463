-- Order status and creation time, which the orders data contract checks.
ALTER TABLE orders
  ADD COLUMN status     text        NOT NULL DEFAULT 'delivered' CHECK (status IN ('placed', 'shipped', 'delivered', 'cancelled')),
  ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

UPDATE orders SET status = 'shipped' WHERE id IN (1009, 1010);
