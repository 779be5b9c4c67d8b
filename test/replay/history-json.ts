import { dirname } from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;

/**
 * A history to and from the JSON `temporal workflow show --output json` prints, as
 * @temporalio/common's historyToJSON and historyFromJSON would, but these fail in this install
 * ("type must be a Type"): npm gave @temporalio/common and @temporalio/proto each a copy of
 * protobufjs 8 of their own (grpc's protobufjs 7 holds the top level), and protojson checks the
 * message type by instanceof. So these use the protojson of the copy that made the types.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @temporalio/proto's folder
const protojson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto'))] }),
) as {
  fromJson(type: unknown, json: unknown, options: object): unknown;
  toJson(type: unknown, message: unknown): unknown;
};

const historyType = (patchProtobufRoot(proto) as any).lookupType('temporal.api.history.v1.History');

export function historyFromJSON(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

export function historyToJSON(history: History): string {
  return JSON.stringify(
    protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)),
    null,
    2,
  );
}
