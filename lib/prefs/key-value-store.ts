/** Where the browser's preferences are kept: localStorage in the page, a Map-backed stand-in in tests. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;
