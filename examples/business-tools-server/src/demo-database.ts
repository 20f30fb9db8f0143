import pg from 'pg';

/**
 * Creates and fills the demo schema `business_demo` (customers with a private `ssn` column the
 * allow-list leaves out, and orders). Idempotent; this is the demo's own set-up connection, not
 * the read-only tool's.
 */
export async function seedDemoDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS business_demo');
    await client.query(`CREATE TABLE IF NOT EXISTS business_demo.customers (
      id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, country text NOT NULL,
      ssn text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS business_demo.orders (
      id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES business_demo.customers(id),
      total numeric(10,2) NOT NULL, status text NOT NULL)`);
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM business_demo.customers',
    );
    if ((rows[0]?.n ?? 0) === 0) {
      await client.query(`INSERT INTO business_demo.customers (name, email, country, ssn)
        SELECT 'Customer ' || i, 'customer' || i || '@example.com', (ARRAY['FR','DE','US','GB'])[1 + i % 4], 'SSN-' || (100000 + i)
        FROM generate_series(1, 2000) AS i`);
      await client.query(`INSERT INTO business_demo.orders (customer_id, total, status)
        SELECT 1 + (i % 2000), (i % 500) + 0.99, (ARRAY['paid','refunded','open'])[1 + i % 3]
        FROM generate_series(1, 5000) AS i`);
    }
  } finally {
    await client.end();
  }
}
