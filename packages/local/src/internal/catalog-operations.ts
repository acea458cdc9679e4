/**
 * R-LOCAL-1: the control-plane operations (endpoints, databases, tables, tags) with the API model's constraints
 * and the service's answers.
 */
import type { DatabaseInfo, TableInfo, Tag } from '../store.js';
import { Constraints, type Json } from './constraints.js';
import { withEpochTimes, type Operation } from './operation.js';
import { paginate } from './pagination.js';

/** ResourceCreateAPIName of the model, with the 3-256 length of the API reference. */
const CREATE_NAME = { min: 3, max: 256, pattern: /^[a-zA-Z0-9_.-]+$/, patternText: '[a-zA-Z0-9_.-]+' };
const TIMES = ['CreationTime', 'LastUpdatedTime'] as const;
/** [choice] The page size when MaxResults is not given: the model's maximum. */
const DEFAULT_PAGE = 20;

function databaseWire(info: DatabaseInfo, tableCount: number): Json {
  return withEpochTimes({ ...info, TableCount: tableCount }, TIMES);
}

function tableWire(info: TableInfo): Json {
  return withEpochTimes(info, TIMES);
}

function tags(c: Constraints, path: string, value: unknown, required = false): Tag[] | undefined {
  const list = c.list(path, value, { min: 0, max: 200 }, required);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    const at = `${path}.${i + 1}.member`;
    const tag = c.object(at, item, true) ?? {};
    return {
      Key: c.string(`${at}.key`, tag['Key'], { min: 1, max: 128 }, true) ?? '',
      Value: c.string(`${at}.value`, tag['Value'], { min: 0, max: 256 }, true) ?? '',
    };
  });
}

function retention(c: Constraints, value: unknown): TableInfo['RetentionProperties'] | undefined {
  const r = c.object('retentionProperties', value);
  if (r === undefined) return undefined;
  return {
    MemoryStoreRetentionPeriodInHours:
      c.integer(
        'retentionProperties.memoryStoreRetentionPeriodInHours',
        r['MemoryStoreRetentionPeriodInHours'],
        { min: 1, max: 8766 },
        true,
      ) ?? 0,
    MagneticStoreRetentionPeriodInDays:
      c.integer(
        'retentionProperties.magneticStoreRetentionPeriodInDays',
        r['MagneticStoreRetentionPeriodInDays'],
        { min: 1, max: 73000 },
        true,
      ) ?? 0,
  };
}

function magneticWrites(
  c: Constraints,
  value: unknown,
): TableInfo['MagneticStoreWriteProperties'] | undefined {
  const m = c.object('magneticStoreWriteProperties', value);
  if (m === undefined) return undefined;
  const enable = c.boolean(
    'magneticStoreWriteProperties.enableMagneticStoreWrites',
    m['EnableMagneticStoreWrites'],
    true,
  );
  const location = c.object(
    'magneticStoreWriteProperties.magneticStoreRejectedDataLocation',
    m['MagneticStoreRejectedDataLocation'],
  );
  return {
    EnableMagneticStoreWrites: enable ?? false,
    ...(location !== undefined && { MagneticStoreRejectedDataLocation: location }),
  };
}

function schema(c: Constraints, value: unknown): TableInfo['Schema'] | undefined {
  const s = c.object('schema', value);
  if (s === undefined) return undefined;
  const keys = c.list('schema.compositePartitionKey', s['CompositePartitionKey'], { min: 1 }) ?? [];
  return {
    CompositePartitionKey: keys.map((item, i) => {
      const at = `schema.compositePartitionKey.${i + 1}.member`;
      const k = c.object(at, item, true) ?? {};
      const type = c.string(`${at}.type`, k['Type'], { enum: ['DIMENSION', 'MEASURE'] }, true);
      const name = c.string(`${at}.name`, k['Name'], { min: 1 });
      const enforcement = c.string(`${at}.enforcementInRecord`, k['EnforcementInRecord'], {
        enum: ['REQUIRED', 'OPTIONAL'],
      });
      return {
        Type: type === 'DIMENSION' ? 'DIMENSION' : 'MEASURE',
        ...(name !== undefined && { Name: name }),
        ...(enforcement !== undefined && {
          EnforcementInRecord: enforcement === 'REQUIRED' ? 'REQUIRED' : 'OPTIONAL',
        }),
      };
    }),
  };
}

function pageArgs(c: Constraints, input: Json): { maxResults: number; nextToken: string | undefined } {
  const maxResults = c.integer('maxResults', input['MaxResults'], { min: 1, max: 20 }) ?? DEFAULT_PAGE;
  const nextToken = c.string('nextToken', input['NextToken']);
  return { maxResults, nextToken };
}

export const catalogOperations: Record<string, Operation> = {
  /** The SDKs' endpoint discovery: every client is sent back to this server (R-LOCAL-1, http.ts). */
  DescribeEndpoints: (_input, ctx) => ({
    Endpoints: [{ Address: ctx.endpointAddress, CachePeriodInMinutes: 1440 }],
  }),

  async CreateDatabase(input, { store }) {
    const c = new Constraints();
    const name = c.string('databaseName', input['DatabaseName'], CREATE_NAME, true);
    const kms = c.string('kmsKeyId', input['KmsKeyId'], { min: 1, max: 2048 });
    const t = tags(c, 'tags', input['Tags']);
    c.done();
    const info = await store.createDatabase({
      DatabaseName: name!,
      ...(kms !== undefined && { KmsKeyId: kms }),
      ...(t !== undefined && { Tags: t }),
    });
    return { Database: databaseWire(info, 0) };
  },

  DescribeDatabase(input, { store }) {
    const c = new Constraints();
    const name = c.string('databaseName', input['DatabaseName'], {}, true);
    c.done();
    return { Database: databaseWire(store.getDatabase(name!), store.tableCount(name!)) };
  },

  ListDatabases(input, { store }) {
    const c = new Constraints();
    const { maxResults, nextToken } = pageArgs(c, input);
    c.done();
    const page = paginate(store.listDatabases(), (d) => d.DatabaseName, maxResults, nextToken);
    return {
      Databases: page.items.map((d) => databaseWire(d, store.tableCount(d.DatabaseName))),
      ...(page.nextToken !== undefined && { NextToken: page.nextToken }),
    };
  },

  async UpdateDatabase(input, { store }) {
    const c = new Constraints();
    const name = c.string('databaseName', input['DatabaseName'], {}, true);
    const kms = c.string('kmsKeyId', input['KmsKeyId'], { min: 1, max: 2048 }, true);
    c.done();
    const info = await store.updateDatabase(name!, kms!);
    return { Database: databaseWire(info, store.tableCount(name!)) };
  },

  async DeleteDatabase(input, { store }) {
    const c = new Constraints();
    const name = c.string('databaseName', input['DatabaseName'], {}, true);
    c.done();
    await store.deleteDatabase(name!);
    return {};
  },

  async CreateTable(input, { store }) {
    const c = new Constraints();
    const db = c.string('databaseName', input['DatabaseName'], CREATE_NAME, true);
    const name = c.string('tableName', input['TableName'], CREATE_NAME, true);
    const r = retention(c, input['RetentionProperties']);
    const m = magneticWrites(c, input['MagneticStoreWriteProperties']);
    const s = schema(c, input['Schema']);
    const t = tags(c, 'tags', input['Tags']);
    c.done();
    const info = await store.createTable({
      DatabaseName: db!,
      TableName: name!,
      ...(r !== undefined && { RetentionProperties: r }),
      ...(m !== undefined && { MagneticStoreWriteProperties: m }),
      ...(s !== undefined && { Schema: s }),
      ...(t !== undefined && { Tags: t }),
    });
    return { Table: tableWire(info) };
  },

  DescribeTable(input, { store }) {
    const c = new Constraints();
    const db = c.string('databaseName', input['DatabaseName'], {}, true);
    const name = c.string('tableName', input['TableName'], {}, true);
    c.done();
    return { Table: tableWire(store.getTable(db!, name!)) };
  },

  ListTables(input, { store }) {
    const c = new Constraints();
    const db = c.string('databaseName', input['DatabaseName']);
    const { maxResults, nextToken } = pageArgs(c, input);
    c.done();
    const page = paginate(
      store.listTables(db),
      (t) => `${t.DatabaseName}\u0000${t.TableName}`,
      maxResults,
      nextToken,
    );
    return {
      Tables: page.items.map(tableWire),
      ...(page.nextToken !== undefined && { NextToken: page.nextToken }),
    };
  },

  async UpdateTable(input, { store }) {
    const c = new Constraints();
    const db = c.string('databaseName', input['DatabaseName'], {}, true);
    const name = c.string('tableName', input['TableName'], {}, true);
    const r = retention(c, input['RetentionProperties']);
    const m = magneticWrites(c, input['MagneticStoreWriteProperties']);
    const s = schema(c, input['Schema']);
    c.done();
    const info = await store.updateTable({
      DatabaseName: db!,
      TableName: name!,
      ...(r !== undefined && { RetentionProperties: r }),
      ...(m !== undefined && { MagneticStoreWriteProperties: m }),
      ...(s !== undefined && { Schema: s }),
    });
    return { Table: tableWire(info) };
  },

  async DeleteTable(input, { store }) {
    const c = new Constraints();
    const db = c.string('databaseName', input['DatabaseName'], {}, true);
    const name = c.string('tableName', input['TableName'], {}, true);
    c.done();
    store.getTable(db!, name!);
    await store.deleteTable(db!, name!);
    return {};
  },

  ListTagsForResource(input, { store }) {
    const c = new Constraints();
    const arn = c.string('resourceARN', input['ResourceARN'], { min: 1, max: 1011 }, true);
    c.done();
    return { Tags: store.listTags(arn!) };
  },

  async TagResource(input, { store }) {
    const c = new Constraints();
    const arn = c.string('resourceARN', input['ResourceARN'], { min: 1, max: 1011 }, true);
    const t = tags(c, 'tags', input['Tags'], true);
    c.done();
    await store.tagResource(arn!, t ?? []);
    return {};
  },

  async UntagResource(input, { store }) {
    const c = new Constraints();
    const arn = c.string('resourceARN', input['ResourceARN'], { min: 1, max: 1011 }, true);
    const keys = c.list('tagKeys', input['TagKeys'], { min: 0, max: 200 }, true) ?? [];
    const names = keys.map(
      (k, i) => c.string(`tagKeys.${i + 1}.member`, k, { min: 1, max: 128 }, true) ?? '',
    );
    c.done();
    await store.untagResource(arn!, names);
    return {};
  },
};
