/**
 * One unary etcd RPC on a grpc-js client, as a promise: the one place the
 * load generator and the first-party client make a call, so both treat a
 * deadline and an empty answer the same way.
 */
import type * as grpc from '@grpc/grpc-js';

export function unaryCall<Req, Res>(client: grpc.Client, method: grpc.MethodDefinition<Req, Res>, request: Req, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error !== null) reject(error);
      else if (response === undefined) reject(new Error(`${method.path}: empty response`));
      else resolve(response);
    });
  });
}
