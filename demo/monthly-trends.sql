-- The seed's monthly-trends analysis over one region's transactions (the demo's data in
-- demo-data/us). Averages are sum / count over all rows, never an average of averages.
SELECT
    date_trunc('month', timestamp)::DATE        AS month,
    count(*)                                    AS total_txns,
    sum(total_amount)::DECIMAL(18, 2)           AS revenue,
    count(DISTINCT customer_id)                 AS unique_customers,
    (sum(total_amount) / count(*))::DECIMAL(18, 2) AS avg_txn_value
FROM read_json_auto('demo-data/us/*.jsonl')
GROUP BY 1
ORDER BY 1;
