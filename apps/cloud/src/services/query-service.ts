/** One page of a query. */
export interface QueryPageResult {
  readonly items: readonly unknown[];
  /** Present when more pages follow. */
  readonly continuationToken?: string;
  /** `Twin` for `SELECT *` over twins, `Raw` for projections and aggregates (IoT Hub's `x-ms-item-type`). */
  readonly itemType: 'Twin' | 'Raw';
}

/** IoT Hub's query language over device and module twins. */
export interface QueryService {
  /** Runs one page; throws QUERY_* VergeErrors for bad queries or continuation tokens. */
  query(sql: string, pageSize: number, continuationToken?: string): Promise<QueryPageResult>;
}
