//! Running the same question on Athena (`flowlens athena run`): each view's query is submitted
//! (`StartQueryExecution`, with the workgroup, output location and database given), its state
//! polled until it ends (`GetQueryExecution`: state, data scanned, engine time), its rows paged
//! in (`GetQueryResults`, 1,000 a page), and a cancel stops it in Athena
//! (`StopQueryExecution`), not only here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_athena::Client;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::{CloudError, CloudOptions, block_on, error_text, sdk_config};

/// Where queries run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AthenaTarget {
    /// The workgroup (default: `primary`).
    pub workgroup: Option<String>,
    /// Where Athena writes results (`s3://…`; default: the workgroup's).
    pub output_location: Option<String>,
    /// The database of the table (default: `default`).
    pub database: Option<String>,
}

/// What one query gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AthenaResult {
    /// The query's id in Athena.
    pub query_id: String,
    /// The SQL that ran.
    pub sql: String,
    /// The final state (`SUCCEEDED`, `FAILED`, `CANCELLED`).
    pub state: String,
    /// Why it failed, if it did.
    pub reason: Option<String>,
    /// Bytes Athena scanned.
    pub scanned_bytes: u64,
    /// Engine time in milliseconds.
    pub engine_ms: u64,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows (`None` for SQL NULL).
    pub rows: Vec<Vec<Option<String>>>,
}

/// Runs `sql` and waits for its rows; `on_state` hears each new state; `cancel` stops the query
/// in Athena.
pub fn run_query(
    sql: &str,
    target: &AthenaTarget,
    opts: &CloudOptions,
    cancel: &AtomicBool,
    on_state: &(dyn Fn(&str) + Sync),
) -> Result<AthenaResult, CloudError> {
    block_on(async {
        let config = sdk_config(opts).await;
        let client = Client::new(&config);
        let fail = |what: &str, e: &(dyn std::error::Error + 'static)| {
            CloudError(format!("athena:{what}: {}", error_text(e, opts)))
        };
        let mut start = client.start_query_execution().query_string(sql);
        if let Some(w) = &target.workgroup {
            start = start.work_group(w);
        }
        if let Some(db) = &target.database {
            let ctx = QueryExecutionContext::builder().database(db).build();
            start = start.query_execution_context(ctx);
        }
        if let Some(o) = &target.output_location {
            let conf = ResultConfiguration::builder().output_location(o).build();
            start = start.result_configuration(conf);
        }
        let started = start
            .send()
            .await
            .map_err(|e| fail("StartQueryExecution", &e))?;
        let mut result = AthenaResult {
            query_id: started.query_execution_id().unwrap_or_default().to_owned(),
            sql: sql.to_owned(),
            ..AthenaResult::default()
        };
        if wait(&client, &mut result, cancel, on_state, &fail).await? {
            fetch_rows(&client, &mut result, cancel, &fail).await?;
        }
        Ok(result)
    })?
}

type Fail<'a> = dyn Fn(&str, &(dyn std::error::Error + 'static)) -> CloudError + 'a;

/// Polls the query until it ends (stopping it in Athena on cancel); whether it succeeded.
async fn wait(
    client: &Client,
    result: &mut AthenaResult,
    cancel: &AtomicBool,
    on_state: &(dyn Fn(&str) + Sync),
    fail: &Fail<'_>,
) -> Result<bool, CloudError> {
    let id = result.query_id.clone();
    let mut pause = Duration::from_millis(200);
    let mut stopped = false;
    loop {
        if cancel.load(Ordering::Relaxed) && !stopped {
            let stop = client
                .stop_query_execution()
                .query_execution_id(&id)
                .send()
                .await;
            stop.map_err(|e| fail("StopQueryExecution", &e))?;
            stopped = true;
        }
        let got = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await;
        let got = got.map_err(|e| fail("GetQueryExecution", &e))?;
        let exec = got.query_execution();
        let status = exec.and_then(|x| x.status());
        let state = status.and_then(|s| s.state()).cloned();
        if let Some(stats) = exec.and_then(|x| x.statistics()) {
            result.scanned_bytes = stats.data_scanned_in_bytes().unwrap_or(0).max(0) as u64;
            result.engine_ms = stats.engine_execution_time_in_millis().unwrap_or(0).max(0) as u64;
        }
        let name = state.as_ref().map_or("UNKNOWN", |s| s.as_str()).to_owned();
        if name != result.state {
            on_state(&name);
            result.state = name;
        }
        match state {
            Some(QueryExecutionState::Succeeded) => return Ok(true),
            Some(QueryExecutionState::Failed | QueryExecutionState::Cancelled) => {
                result.reason = status
                    .and_then(|s| s.state_change_reason())
                    .map(str::to_owned);
                return Ok(false);
            }
            _ => {}
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// Pages the rows in (the first row of the first page repeats the column names).
async fn fetch_rows(
    client: &Client,
    result: &mut AthenaResult,
    cancel: &AtomicBool,
    fail: &Fail<'_>,
) -> Result<(), CloudError> {
    let mut token: Option<String> = None;
    let mut first = true;
    loop {
        let page = client
            .get_query_results()
            .query_execution_id(&result.query_id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| fail("GetQueryResults", &e))?;
        if let Some(rs) = page.result_set() {
            if first && let Some(meta) = rs.result_set_metadata() {
                result.columns = meta
                    .column_info()
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect();
            }
            let mut rows = rs.rows().iter().map(|r| {
                let cells = r
                    .data()
                    .iter()
                    .map(|d| d.var_char_value().map(str::to_owned));
                cells.collect::<Vec<_>>()
            });
            if first {
                let head = rows.next().unwrap_or_default();
                if result.columns.is_empty() {
                    result.columns = head.into_iter().map(Option::unwrap_or_default).collect();
                }
            }
            result.rows.extend(rows);
        }
        first = false;
        match page.next_token() {
            Some(t) if !cancel.load(Ordering::Relaxed) => token = Some(t.to_owned()),
            _ => return Ok(()),
        }
    }
}
