// Puts the supervisor between Kysely and the driver, so that every query of
// every repository (and the migrations) is watched in one place: refused at
// once while the store is out, and a driver failure that means an outage
// becomes the client's 503 `store_unavailable` instead of reaching it as a 500.
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from "kysely";
import type { StoreSupervisor } from "./store-supervisor.js";

export function supervisedDialect(inner: Dialect, supervisor: StoreSupervisor): Dialect {
  return {
    createDriver: () => new SupervisedDriver(inner.createDriver(), supervisor),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

class SupervisedDriver implements Driver {
  /** The driver's connection → the watched one Kysely holds, and back. */
  private readonly connections = new WeakMap<DatabaseConnection, DatabaseConnection>();
  private readonly unwrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly supervisor: StoreSupervisor,
  ) {}

  private async watched<T>(use: () => Promise<T>): Promise<T> {
    try {
      return await use();
    } catch (error) {
      throw this.supervisor.failed(error);
    }
  }

  init(): Promise<void> {
    return this.watched(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.supervisor.admit();
    const connection = await this.watched(() => this.inner.acquireConnection());
    let wrapped = this.connections.get(connection);
    if (!wrapped) {
      wrapped = {
        executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => this.watched(() => connection.executeQuery<R>(query)),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
      };
      this.connections.set(connection, wrapped);
      this.unwrapped.set(wrapped, connection);
    }
    return wrapped;
  }

  private innerOf(connection: DatabaseConnection): DatabaseConnection {
    return this.unwrapped.get(connection) ?? connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.watched(() => this.inner.beginTransaction(this.innerOf(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.watched(() => this.inner.commitTransaction(this.innerOf(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.watched(() => this.inner.rollbackTransaction(this.innerOf(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.watched(() => this.inner.savepoint!(this.innerOf(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.watched(() => this.inner.rollbackToSavepoint!(this.innerOf(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.watched(() => this.inner.releaseSavepoint!(this.innerOf(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
