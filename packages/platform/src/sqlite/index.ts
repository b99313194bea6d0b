export * from './migrations.js';
export * from './open-sqlite.js';
