"""A second, independent client of `tsbatch serve`: boto3 (botocore's own model, serializer and error parser).

Usage: python3 boto3_peer.py ENDPOINT_URL TASK_JSON NOW_MS
Prints one JSON object summarising what the endpoint answered; the calling test asserts on it.
"""
import json
import sys
import time

import boto3
from botocore.config import Config

url, task_file, now_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = boto3.client(
    "timestream-write",
    endpoint_url=url,
    region_name="us-east-1",
    aws_access_key_id="AKIDBOTO3",
    aws_secret_access_key="boto3-secret",
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)
out = {}

with open(task_file, encoding="utf-8") as f:
    task = json.load(f)
db, table = task["TargetDatabaseName"], task["TargetTableName"]

client.create_database(DatabaseName=db)
client.create_database(DatabaseName="peer_second")
created = client.create_table(
    DatabaseName=db,
    TableName=table,
    RetentionProperties={"MemoryStoreRetentionPeriodInHours": 1, "MagneticStoreRetentionPeriodInDays": 3650},
    MagneticStoreWriteProperties={"EnableMagneticStoreWrites": True},
)
out["table_status"] = created["Table"]["TableStatus"]


def record(value, offset_ms):
    return {
        "Dimensions": [{"Name": "vehicle", "Value": "Peer-1"}],
        "MeasureName": "speed",
        "MeasureValue": value,
        "MeasureValueType": "DOUBLE",
        "Time": str(now_ms - offset_ms),
    }


written = client.write_records(DatabaseName=db, TableName=table, Records=[record("1.5", 1000), record("2.5", 2000)])
out["ingested"] = written["RecordsIngested"]
try:
    client.write_records(DatabaseName=db, TableName=table, Records=[record("9.9", 1000), record("3.5", 3000)])
    out["rejected"] = None
except client.exceptions.RejectedRecordsException as e:
    out["rejected"] = {
        "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
        "code": e.response["Error"]["Code"],
        "records": e.response["RejectedRecords"],
    }

described = client.describe_table(DatabaseName=db, TableName=table)["Table"]
out["describe_table"] = {
    "retention": described["RetentionProperties"],
    "magnetic": described["MagneticStoreWriteProperties"],
    "creation_time_type": type(described["CreationTime"]).__name__,
}
out["describe_database_tables"] = client.describe_database(DatabaseName=db)["Database"]["TableCount"]

try:
    client.describe_table(DatabaseName=db, TableName="missing_table")
    out["not_found"] = None
except client.exceptions.ResourceNotFoundException as e:
    out["not_found"] = {"status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response["Error"]["Code"]}

task_ids = []
for _ in range(2):
    task_ids.append(client.create_batch_load_task(**task)["TaskId"])
statuses = {}
for task_id in task_ids:
    for _ in range(500):
        d = client.describe_batch_load_task(TaskId=task_id)["BatchLoadTaskDescription"]
        if d["TaskStatus"] not in ("CREATED", "IN_PROGRESS", "PENDING_RESUME"):
            break
        time.sleep(0.02)
    statuses[task_id] = {"status": d["TaskStatus"], "progress": d["ProgressReport"]}
out["tasks"] = [statuses[t] for t in task_ids]


def pages_of(call, member, key):
    """Every page of a list call at one item per page. botocore has no paginators for timestream-write: loop on
    NextToken, as AWS's own tools do."""
    pages, kwargs = [], {"MaxResults": 1}
    while True:
        page = call(**kwargs)
        pages.append([item[key] for item in page[member]])
        if "NextToken" not in page:
            return pages
        kwargs["NextToken"] = page["NextToken"]


out["task_pages"] = pages_of(client.list_batch_load_tasks, "BatchLoadTasks", "TaskId")
out["task_ids"] = task_ids
out["database_pages"] = pages_of(client.list_databases, "Databases", "DatabaseName")

print(json.dumps(out))
