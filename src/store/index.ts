export type { Store, StoreScript, ScriptReply, SetOptions, MessageHandler, ScriptCall, BatchOutcome } from './Store.js';
export { StoreUnavailableError } from './Store.js';
export { KeySpace } from './KeySpace.js';
export { MemoryDb, WrongTypeError } from './MemoryDb.js';
export { MemoryStore } from './MemoryStore.js';
export { RedisStore, type RedisConnection, type RedisStoreOptions } from './RedisStore.js';
export { createStore, type CreateStoreOptions } from './createStore.js';
export { defineScript } from './defineScript.js';
export { ScriptBatcher } from './ScriptBatcher.js';
