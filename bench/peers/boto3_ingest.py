"""boto3 peer of bench 4: the fleet CSV written to a Timestream-Write endpoint the way awswrangler's
timestream.write does it: read the CSV into a DataFrame, make one record dict per row, and write batches of 100
records with write_records from a ThreadPoolExecutor (os.cpu_count() threads, awswrangler's default) sharing one
boto3 client. Without pandas, the csv module reads the file. The clock covers reading and writing, as for
`tsbatch ingest`. Prints {"records", "calls", "seconds", "threads", "reader"} as its last line; exits 3 with
{"skipped": why} when boto3 is missing.

usage: boto3_ingest.py --endpoint URL --csv FILE --database DB --table TABLE [--threads N]
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import boto3
    from botocore.config import Config
except ImportError:
    print(json.dumps({"skipped": f"boto3 is not installed for {sys.executable}"}))
    sys.exit(3)

try:
    import pandas as pd
except ImportError:
    pd = None

# The examples/fleet/task.json data model.
DIMENSIONS = [("vehicle", "vehicle"), ("registration", "license")]
MEASURES = [("wgt", "weight", "DOUBLE"), ("spd", "speed", "DOUBLE"), ("fuel_consumption", "fuel", "DOUBLE"),
            ("miles", "miles", "BIGINT")]
TIME_COLUMN = "timestamp"
MEASURE_NAME = "mva_measure_name"


def record(row):
    """One row (a dict of column -> text) as a WriteRecords record, as awswrangler builds it."""
    return {
        "Dimensions": [{"Name": name, "Value": str(row[col]), "DimensionValueType": "VARCHAR"}
                       for col, name in DIMENSIONS],
        "MeasureName": MEASURE_NAME,
        "MeasureValueType": "MULTI",
        "MeasureValues": [{"Name": name, "Value": str(row[col]), "Type": kind} for col, name, kind in MEASURES],
        "Time": str(row[TIME_COLUMN]),
        "TimeUnit": "SECONDS",
        "Version": 1,
    }


def rows_of(path):
    if pd is not None:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        return df.to_dict("records"), "pandas " + pd.__version__
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f)), "csv module"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    # awswrangler's client: a large connection pool, the SDK's own retries.
    client = boto3.client(
        "timestream-write",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDBOTO3",
        aws_secret_access_key="secret",
        config=Config(read_timeout=20, max_pool_connections=5000, retries={"max_attempts": 10}),
    )

    def write_batch(rows):
        records = [record(row) for row in rows]
        client.write_records(DatabaseName=args.database, TableName=args.table, Records=records)
        return len(records)

    started = time.perf_counter()
    rows, reader = rows_of(args.csv)
    batches = [rows[i:i + 100] for i in range(0, len(rows), 100)]
    with ThreadPoolExecutor(max_workers=args.threads) as executor:
        written = sum(executor.map(write_batch, batches))
    seconds = time.perf_counter() - started
    print(json.dumps({"records": written, "calls": len(batches), "seconds": seconds, "threads": args.threads,
                      "reader": reader}))


if __name__ == "__main__":
    main()
