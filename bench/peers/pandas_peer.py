#!/usr/bin/env python3
"""Peer for `pnpm bench`: the fleet task done the way awswrangler's `wr.timestream.write` does it.

`python3 pandas_peer.py FILE` reads the fleet CSV into a pandas DataFrame, then does the per-row work of
awswrangler (aws/aws-sdk-pandas, awswrangler/timestream/_write.py: write -> _write_df -> _write_batch, and
awswrangler/_utils.py: split_pandas_frame, chunkify): split the frame in os.cpu_count() parts, turn each part into
a list of rows (_df2list), cut it into lists of 100 rows (chunkify) and build one WriteRecords record dict per row
(Time, MeasureValues, MeasureValueType, Dimensions; MeasureName, TimeUnit and Version go in CommonAttributes).
Nothing is sent: each batch of records is dropped where awswrangler would call write_records, so the figures are
the CPU and memory cost of getting a CSV into WriteRecords shape, which is what `tsbatch dry-run` does too.

Prints one JSON line: {"rows", "records", "seconds", "maxRssKiB"} (seconds from read_csv to the last record, the
interpreter and the pandas import excluded, as the Node children exclude their own start-up), or {"skipped":
reason} when pandas cannot be imported.
"""

import json
import math
import os
import resource
import sys
import time

# The data model of examples/fleet/task.json, mirrored (awswrangler takes column names as record names, so the
# frame's columns are renamed to the task's DestinationColumn / TargetMultiMeasureAttributeName first):
#   TimeColumn "timestamp", TimeUnit SECONDS
#   DimensionMappings: vehicle -> vehicle, registration -> license
#   MultiMeasureMappings: TargetMultiMeasureName "mva_measure_name";
#     wgt -> weight DOUBLE, spd -> speed DOUBLE, fuel_consumption -> fuel DOUBLE, miles -> miles BIGINT
TIME_COLUMN = "timestamp"
TIME_UNIT = "SECONDS"
MEASURE_NAME = "mva_measure_name"
DIMENSIONS = [("vehicle", "vehicle"), ("registration", "license")]
MEASURES = [
    ("wgt", "weight", "DOUBLE"),
    ("spd", "speed", "DOUBLE"),
    ("fuel_consumption", "fuel", "DOUBLE"),
    ("miles", "miles", "BIGINT"),
]
BATCH = 100  # WriteRecords takes at most 100 records per call (awswrangler: chunkify(max_length=100))

# awswrangler _TIME_UNITS_MAPPING: unit -> (digits to drop from an int in ns, digits to add to datetime seconds)
TIME_UNITS_MAPPING = {"SECONDS": (9, 0), "MILLISECONDS": (6, 3), "MICROSECONDS": (3, 6), "NANOSECONDS": (0, 9)}


def main() -> None:
    try:
        # pandas first: a machine without numpy then fails on pandas's own import of it, with the same answer.
        import pandas as pd
        import numpy as np
    except ImportError as error:
        print(json.dumps({"skipped": f"{sys.executable} cannot import pandas ({error})"}))
        return

    def timestream_type(dtype) -> str:
        # awswrangler _data_types.timestream_type_from_pandas, for the dtypes read_csv gives this file
        if pd.api.types.is_bool_dtype(dtype):
            return "BOOLEAN"
        if pd.api.types.is_integer_dtype(dtype):
            return "BIGINT"
        if pd.api.types.is_float_dtype(dtype):
            return "DOUBLE"
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return "TIMESTAMP"
        return "VARCHAR"

    def format_timestamp(timestamp) -> str:
        # awswrangler _format_timestamp
        if isinstance(timestamp, int):
            return str(round(timestamp / pow(10, TIME_UNITS_MAPPING[TIME_UNIT][0])))
        return str(round(timestamp.timestamp() * pow(10, TIME_UNITS_MAPPING[TIME_UNIT][1])))

    def format_measure(name, value, measure_type) -> dict:
        # awswrangler _format_measure
        return {
            "Name": name,
            "Value": format_timestamp(value) if measure_type == "TIMESTAMP" else str(value),
            "Type": measure_type,
        }

    def df2list(df) -> list:
        # awswrangler _df2list
        parameters = df.values.tolist()
        for i, row in enumerate(parameters):
            for j, value in enumerate(row):
                if pd.isna(value):
                    parameters[i][j] = None
                elif hasattr(value, "to_pydatetime"):
                    parameters[i][j] = value.to_pydatetime()
        return parameters

    def chunkify(lst: list, max_length: int) -> list:
        # awswrangler _utils.chunkify
        if not lst:
            return []
        n = int(math.ceil(float(len(lst)) / float(max_length)))
        return [arr.tolist() for arr in np.array_split(lst, n) if len(arr) > 0]

    path = sys.argv[1]
    started = time.perf_counter()

    df = pd.read_csv(path)
    # awswrangler needs the time column as a timestamp column (an int column is taken as nanoseconds)
    df[TIME_COLUMN] = pd.to_datetime(df[TIME_COLUMN], unit="s")
    df = df.rename(columns={source: target for source, target in DIMENSIONS + [(m[0], m[1]) for m in MEASURES]})
    measure_cols = [m[1] for m in MEASURES]
    dimensions_cols = [d[1] for d in DIMENSIONS]
    measure_types = [timestream_type(df[c].dtype) for c in measure_cols]
    if measure_types != [m[2] for m in MEASURES]:
        raise SystemExit(f"pandas_peer: {path}: column types {measure_types} differ from the fleet task's")
    cols_names = [TIME_COLUMN] + measure_cols + dimensions_cols
    common_attributes = {"MeasureName": MEASURE_NAME, "TimeUnit": TIME_UNIT, "Version": 1}

    # write(): split_pandas_frame(df.loc[:, cols_names], cpu_count), then _write_df per part
    frame = df.loc[:, cols_names]
    splits = os.cpu_count() or 1
    bounds = np.linspace(0, len(frame.index), splits + 1).astype(int)
    parts = [frame.iloc[bounds[i] : bounds[i + 1]] for i in range(splits) if bounds[i + 1] > bounds[i]]

    records_built = 0
    measure_cols_loc = 1
    dimensions_cols_loc = 1 + len(measure_cols)
    for part in parts:
        for batch in chunkify(df2list(part), BATCH):
            # _write_batch: one record per row; records would go to write_records(CommonAttributes=...)
            records = []
            for row in batch:
                record = {"Time": format_timestamp(row[0])}
                record["MeasureValues"] = [
                    format_measure(name, value, value_type)
                    for name, value, value_type in zip(
                        measure_cols, row[measure_cols_loc:dimensions_cols_loc], measure_types
                    )
                    if not pd.isnull(value)
                ]
                if len(record["MeasureValues"]) == 0:
                    continue
                record["MeasureValueType"] = "MULTI"
                record["Dimensions"] = [
                    {"Name": name, "DimensionValueType": "VARCHAR", "Value": str(value)}
                    for name, value in zip(dimensions_cols, row[dimensions_cols_loc:])
                ]
                records.append(record)
            records_built += len(records)
            del records  # sent and dropped
        del part

    seconds = time.perf_counter() - started
    assert common_attributes["MeasureName"] == MEASURE_NAME
    print(
        json.dumps(
            {
                "rows": int(len(df.index)),
                "records": records_built,
                "seconds": seconds,
                # Linux reports ru_maxrss in KiB
                "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main()
