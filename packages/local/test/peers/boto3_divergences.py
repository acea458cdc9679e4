"""The divergences of issue 16 through boto3 (botocore's model, serializer, endpoint discovery and error parser).

Usage: AWS_ENDPOINT_URL_TIMESTREAM_WRITE=http://127.0.0.1:PORT python3 boto3_divergences.py NOW_MS
The client is configured ONLY through that environment variable (no endpoint_url=), as emulator users do: botocore
then runs endpoint discovery against the endpoint and must come back to it. Prints one JSON object; the calling test
asserts on it.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

now_ms = int(sys.argv[1])
client = boto3.client("timestream-write", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
out = {"endpoint_url": client.meta.endpoint_url}
DB = "boto_div"


def error(call):
    try:
        call()
    except ClientError as e:
        return {
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"].get("Message"),
            "rejected": e.response.get("RejectedRecords"),
        }
    return None


def rec(value, version=None, dims=None, time_ms=None):
    r = {
        "Dimensions": dims or [{"Name": "host", "Value": "h1"}],
        "MeasureName": "cpu",
        "MeasureValue": value,
        "MeasureValueType": "DOUBLE",
        "Time": str(time_ms if time_ms is not None else now_ms - 1000),
    }
    if version is not None:
        r["Version"] = version
    return r


def write(table, records):
    return client.write_records(DatabaseName=DB, TableName=table, Records=records)


retention = {"MemoryStoreRetentionPeriodInHours": 24, "MagneticStoreRetentionPeriodInDays": 7}
out["kms"] = client.create_database(DatabaseName=DB)["Database"]["KmsKeyId"]

# 2: a REQUIRED dimension partition key
client.create_table(
    DatabaseName=DB,
    TableName="keyed",
    RetentionProperties=retention,
    Schema={"CompositePartitionKey": [{"Type": "DIMENSION", "Name": "host", "EnforcementInRecord": "REQUIRED"}]},
)
out["partition"] = error(lambda: write("keyed", [rec("1"), rec("2", dims=[{"Name": "region", "Value": "eu"}])]))

# 3: 64-bit versions, compared exactly
client.create_table(DatabaseName=DB, TableName="versions", RetentionProperties=retention)
big = 2**53
write("versions", [rec("1", big)])
out["higher_after_2_53"] = write("versions", [rec("2", big + 1)])["RecordsIngested"]["Total"]
out["lower"] = error(lambda: write("versions", [rec("3", big)]))
ns = now_ms * 1_000_000
write("versions", [rec("1", ns, dims=[{"Name": "host", "Value": "ns"}])])
out["ns_higher"] = write("versions", [rec("2", ns + 100, dims=[{"Name": "host", "Value": "ns"}])])["RecordsIngested"][
    "Total"
]
out["ns_lower"] = error(lambda: write("versions", [rec("3", ns + 50, dims=[{"Name": "host", "Value": "ns"}])]))
out["too_big"] = error(lambda: write("versions", [rec("1", 2**63, dims=[{"Name": "host", "Value": "max"}])]))
out["max_ok"] = write("versions", [rec("1", 2**63 - 1, dims=[{"Name": "host", "Value": "max"}])])["RecordsIngested"][
    "Total"
]

# 4: texts
out["missing_table"] = error(lambda: client.describe_table(DatabaseName=DB, TableName="nope"))
out["window"] = error(lambda: write("versions", [rec("1", time_ms=now_ms - 30 * 24 * 3600_000)]))

# 5: statuses
out["conflict"] = error(lambda: client.create_database(DatabaseName=DB))
print(json.dumps(out))
