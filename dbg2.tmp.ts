import { Server, ServerCredentials } from '@grpc/grpc-js';
const grpc = new Server();
const inj = grpc.createConnectionInjector(ServerCredentials.createInsecure());
console.time('try');
grpc.tryShutdown(() => console.timeEnd('try'));
