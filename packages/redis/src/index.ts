export type { RedisTaskClient, RedisTaskSubscriber } from './redis-client.js';
export type { RedisTaskStore, RedisTaskStoreOptions } from './redis-task-store.js';
export { createRedisTaskStore } from './redis-task-store.js';
